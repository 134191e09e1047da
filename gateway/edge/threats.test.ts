import { parse } from 'graphql';
import { scanValue } from './threat-patterns';
import { requestStrings, scoreOf } from './threats';

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
    const doc = parse(`query Q($f: ListingFilter) { listings(filter: { text: "inline" }, after: "cursor") @include(if: true) { totalCount } listing(id: "abc") { id } }`);
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
