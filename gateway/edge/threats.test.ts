import { parse } from 'graphql';
import { scanValue } from './threat-patterns';
import { collectRequestStrings, requestStrings, scoreOf } from './threats';

const attacks: Array<[string, string]> = [
  ["' OR '1'='1", 'sql_injection'],
  ['x" or 1=1 --', 'sql_injection'],
  ['1 UNION ALL SELECT password FROM users', 'sql_injection'],
  ["hemp'; DROP TABLE listings; --", 'sql_injection'],
  ["admin'--", 'sql_injection'],
  ['1; SELECT pg_sleep(10)', 'sql_injection'],
  ['<script>alert(1)</script>', 'script_injection'],
  ['<img src=x onerror=alert(1)>', 'script_injection'],
  ['javascript:alert(document.cookie)', 'script_injection'],
  ['../../../../etc/passwd', 'path_traversal'],
  ['..%2f..%2fwindows%2fwin.ini', 'path_traversal'],
];

const innocent = [
  "O'Brien's hemp farm",
  'Rock & Roll CBD',
  '12.50',
  "Thandi's organic CBD oil -- cold pressed",
  'Select from our range of hemp seed, grown in the Eastern Cape',
  'Hemp fibre, 2.5 t, bales of 250kg (A/B grade)',
  'Cannabis flower 1/8 oz',
  'Prices in ZAR; delivery to Gauteng & KZN',
  'email: sipho@example.co.za',
];

describe('threat patterns', () => {
  it.each(attacks)('flags %s', (value, kind) => {
    const matches = scanValue(value);
    expect(matches.map((m) => m.kind)).toContain(kind);
    expect(scoreOf(matches.map((m) => ({ ...m, where: '$v' })))).toBeGreaterThanOrEqual(40);
  });

  it.each(innocent)('scores %s below the default block score', (value) => {
    const score = scoreOf(scanValue(value).map((m) => ({ ...m, where: '$v' })));
    expect(score).toBeLessThan(50);
  });

  it.each(["O'Brien's hemp farm", 'Rock & Roll CBD', '12.50'])('finds nothing at all in %s', (value) => {
    expect(scanValue(value)).toEqual([]);
  });

  it('reads variables (nested) and inline arguments of fields and directives', () => {
    const doc = parse(
      `query Q($f: ListingFilter) { listings(filter: { text: "inline" }, after: "cursor") @include(if: true) { totalCount } listing(id: "abc") { id } }`,
    );
    const strings = requestStrings(doc, { f: { text: 'nested', list: ['a', 'b'] } });
    expect(strings).toEqual([
      ['$.f.text', 'nested'],
      ['$.f.list[0]', 'a'],
      ['$.f.list[1]', 'b'],
      ['argument listings.filter.text', 'inline'],
      ['argument listings.after', 'cursor'],
      ['argument listing.id', 'abc'],
    ]);
  });
});

describe('whole values, every item, and a budget', () => {
  const MB = 1024 * 1024;

  it('finds a payload after 4,096 spaces and after 1 MB of padding', () => {
    expect(scanValue(`${' '.repeat(4096)}<script>alert(1)</script>`).map((m) => m.name)).toContain('script_tag');
    expect(scanValue(`${'a'.repeat(MB)} <script>alert(1)</script>`).map((m) => m.name)).toContain('script_tag');
  });

  it('reads the 501st list item and beyond', () => {
    const list = [...Array.from({ length: 5000 }, (_, i) => `item ${i}`), '<script>alert(1)</script>'];
    const { strings, exceeded } = collectRequestStrings(undefined, { list });
    expect(exceeded).toBe(false);
    expect(strings[5000]).toEqual(['$.list[5000]', '<script>alert(1)</script>']);
  });

  it('says when a request holds more than the budget (values, characters or depth)', () => {
    const budget = { maxValues: 10, maxChars: 100, maxDepth: 4 };
    expect(collectRequestStrings(undefined, { list: Array.from({ length: 11 }, () => 'x') }, budget).exceeded).toBe(
      true,
    );
    expect(collectRequestStrings(undefined, { v: 'x'.repeat(101) }, budget).exceeded).toBe(true);
    expect(collectRequestStrings(undefined, { a: { b: { c: { d: { e: 'deep' } } } } }, budget).exceeded).toBe(true);
    expect(collectRequestStrings(undefined, { a: { b: 'fine' }, list: ['x', 'y'] }, budget).exceeded).toBe(false);
  });

  it('reads the literals of a document read before, with the variables and budget of each request', () => {
    const document = parse(
      `query($v: String) { listings(filter: { text: "<script>x</script>", tags: ["a", "b"] }) @tag(name: "t") { id } me(v: $v) { id } }`,
    );
    const literals = [
      ['argument listings.filter.text', '<script>x</script>'],
      ['argument listings.filter.tags[0]', 'a'],
      ['argument listings.filter.tags[1]', 'b'],
      ['argument @tag.name', 't'],
    ];
    for (const v of ['first', 'second']) {
      const { strings, exceeded } = collectRequestStrings(document, { v });
      expect(exceeded).toBe(false);
      expect(strings).toEqual([['$.v', v], ...literals]);
    }
    // The variables count against the same budget as the literals, request by request.
    expect(collectRequestStrings(document, { v: 'x' }, { maxValues: 4, maxChars: 1000, maxDepth: 4 }).exceeded).toBe(
      true,
    );
    expect(collectRequestStrings(document, {}, { maxValues: 4, maxChars: 1000, maxDepth: 4 }).exceeded).toBe(false);
    const deep = parse(`{ a(x: { b: { c: { d: { e: "deep" } } } }) { id } b(y: "after") { id } }`);
    const tight = { maxValues: 10, maxChars: 100, maxDepth: 3 };
    expect(collectRequestStrings(deep, {}, tight)).toEqual({ strings: [], exceeded: true });
    expect(collectRequestStrings(deep, {}, { ...tight, maxDepth: 8 })).toEqual({
      strings: [
        ['argument a.x.b.c.d.e', 'deep'],
        ['argument b.y', 'after'],
      ],
      exceeded: false,
    });
  });

  it.each([
    ["' "],
    [' '],
    ['select '],
    ['select from '],
    ['<a '],
    ['<'],
    ["' or a"],
    ['a'],
    ['javascript '],
    ['%2e'],
    [';drop '],
  ])('stays linear: 1 MB of %j is scanned in well under a second', (fill) => {
    const value = fill.repeat(Math.ceil(MB / fill.length)).slice(0, MB);
    const started = performance.now();
    scanValue(value);
    // ~0.25 s for the rescanning select…from regex before; a quadratic pattern would take minutes
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('keeps select…from as it was: within 200 characters, in order', () => {
    expect(scanValue('select name from users').map((m) => m.name)).toContain('select_from');
    expect(scanValue(`select ${'x'.repeat(250)} from users`).map((m) => m.name)).not.toContain('select_from');
    expect(scanValue('from users select').map((m) => m.name)).not.toContain('select_from');
  });
});
