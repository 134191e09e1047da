import { readFileSync } from 'node:fs';
import path from 'node:path';
import { buildSchema, parse } from 'graphql';
import pino from 'pino';
import { SCHEMA_DIR } from '#platform/infra/paths';
import {
  budgetedStringify,
  markSharedData,
  operationLimitsPlugin,
  priceOperation,
} from '#platform/infra/http/operation-limits';
import { hasForbiddenText, hasVisibleText, inspectJsonInput } from '#platform/infra/http/input-guard';
import { decodeCursor, encodeCursor } from '#platform/infra/schema/connection';
import { createHttpService } from '#platform/infra/http/http-server';
import { createMetrics } from '#platform/infra/observability/metrics';

const api = buildSchema(readFileSync(path.join(SCHEMA_DIR, 'api-schema.graphql'), 'utf8'));

const NESTED = /* GraphQL */ `
  query Nested($f: Int) {
    listings(first: $f) {
      edges {
        node {
          id
          seller {
            listings(first: $f) {
              edges {
                node {
                  id
                  seller {
                    listings(first: $f) {
                      edges {
                        node {
                          id
                          title
                        }
                      }
                    }
                  }
                }
              }
            }
          }
        }
      }
    }
  }
`;

describe('priceOperation', () => {
  it('prices page sizes passed as variables exactly like literals', () => {
    const byVariable = priceOperation(api, parse(NESTED), 'Nested', { f: 100 });
    const byLiteral = priceOperation(
      api,
      parse(NESTED.replace('($f: Int)', '').replaceAll('$f', '100')),
      undefined,
      {},
    );
    expect(byVariable).toBe(byLiteral);
    expect(byVariable).toBeGreaterThan(1_000_000);
  });

  it('applies variable defaults, and prices an absent page size at the default page size', () => {
    const withDefault = priceOperation(api, parse(NESTED.replace('$f: Int', '$f: Int = 100')), 'Nested', {});
    expect(withDefault).toBe(priceOperation(api, parse(NESTED), 'Nested', { f: 100 }));
    expect(priceOperation(api, parse(NESTED), 'Nested', {})).toBe(
      priceOperation(api, parse(NESTED), 'Nested', { f: 20 }),
    );
  });

  it('prices the nested query of issue 14 at 1 + 4f + 4f² + 2f³', () => {
    for (const f of [1, 5, 16, 17, 100])
      expect(priceOperation(api, parse(NESTED), 'Nested', { f })).toBe(1 + 4 * f + 4 * f * f + 2 * f ** 3);
  });

  it('grows with the page size and leaves leaves free', () => {
    expect(priceOperation(api, parse('{ listings(first: 100) { totalCount } }'), undefined, {})).toBe(1);
    expect(priceOperation(api, parse('{ listings(first: 10) { edges { node { id } } } }'), undefined, {})).toBe(21);
    expect(priceOperation(api, parse('{ listings(first: 100) { edges { node { id } } } }'), undefined, {})).toBe(201);
  });

  it('prices lists of unknown length at the maximum page size', () => {
    // matches have no page-size argument: 100 of them, each with a listing and a seller
    const cost = priceOperation(
      api,
      parse('{ matchRequest(id: "x") { matches { listing { seller { id } } } } }'),
      undefined,
      {},
    );
    expect(cost).toBe(1 + (1 + 100 * (1 + 1)));
  });

  it('throws on variables that do not coerce', () => {
    expect(() => priceOperation(api, parse(NESTED), 'Nested', { f: 'many' })).toThrow();
  });
});

describe('the operation limits plugin, remembering prices per document', () => {
  const plugin = operationLimitsPlugin({ maxCost: 10_000, maxVariableDepth: 10 });
  /** The plugin's check for one request of `document` (one parsed object, as Apollo's document store hands back). */
  async function check(document: ReturnType<typeof parse>, variables: Record<string, unknown>, name = 'Nested') {
    const listener = await plugin.requestDidStart!({} as never);
    const operation = document.definitions[0];
    return (listener as any).didResolveOperation({
      request: { variables, operationName: name },
      document,
      schema: api,
      operation,
    });
  }

  it('refuses a larger page after a smaller one of the same document was priced', async () => {
    const doc = parse(NESTED);
    await expect(check(doc, { f: 10 })).resolves.toBeUndefined();
    await expect(check(doc, { f: 10 })).resolves.toBeUndefined();
    await expect(check(doc, { f: 100 })).rejects.toMatchObject({ extensions: { reason: 'COST_LIMIT' } });
  });

  it('prices @include by its variable: a cheap answer for false is not reused for true', async () => {
    const doc = parse(`query Nested($f: Int, $deep: Boolean!) {
      listings(first: $f) { edges { node { id seller @include(if: $deep) { listings(first: $f) { edges { node { id seller { listings(first: $f) { edges { node { id } } } } } } } } } } }
    }`);
    await expect(check(doc, { f: 100, deep: false })).resolves.toBeUndefined();
    await expect(check(doc, { f: 100, deep: true })).rejects.toMatchObject({ extensions: { reason: 'COST_LIMIT' } });
  });

  it('still refuses variables that do not coerce after the document was priced', async () => {
    const doc = parse(NESTED);
    await expect(check(doc, { f: 5 })).resolves.toBeUndefined();
    await expect(check(doc, { f: 'many' })).rejects.toMatchObject({ extensions: { reason: 'INVALID_VARIABLES' } });
  });
});

describe('input guard', () => {
  it.each([
    ['NUL', 'a\u0000b'],
    ['bell', 'a\u0007b'],
    ['escape', '\u001b[31mred'],
    ['DEL', 'a\u007fb'],
    ['C1 control', 'a\u0085b'],
    ['right-to-left override', 'abc\u202Etxt.exe'],
    ['left-to-right embedding', '\u202Aabc'],
    ['first-strong isolate', '\u2068abc\u2069'],
    ['lone high surrogate', 'a\ud800b'],
    ['lone low surrogate', 'a\udc00b'],
  ])('refuses %s', (_name, text) => expect(hasForbiddenText(text)).toBe(true));

  it.each([
    ['plain', 'Hemp lot 1'],
    ['tabs and newlines', 'a\tb\nc\r\n'],
    ['emoji', '🌿 hemp'],
    ['Arabic with a mark', 'قنب\u200F'],
    ['isiZulu', 'Insangu yasePhondo'],
  ])('keeps %s', (_name, text) => expect(hasForbiddenText(text)).toBe(false));

  it('finds titles made only of invisible characters', () => {
    expect(hasVisibleText('\u200B\u200C\u200D\uFEFF')).toBe(false);
    expect(hasVisibleText(' \u2060\u00AD ')).toBe(false);
    expect(hasVisibleText('\u200BHemp')).toBe(true);
  });

  it('limits variable depth without recursing', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = { a: deep };
    expect(inspectJsonInput({ v: deep }, 32)?.message).toMatch(/nested deeper than 32/);
    expect(inspectJsonInput({ a: { b: { c: [1, 2, { d: 'x' }] } } }, 32)).toBeNull();
  });

  it('names where forbidden text sits, in values and in keys', () => {
    expect(inspectJsonInput({ input: { title: 'x\u0000' } }, 32)).toEqual(
      expect.objectContaining({ field: 'input.title' }),
    );
    expect(inspectJsonInput({ meta: { ['k\u0000']: 1 } }, 32)?.message).toMatch(/key/);
  });
});

describe('cursors', () => {
  const good = encodeCursor(['2024-05-01T10:00:00.000Z', '00000000-0000-4000-8000-000000000000']);
  it('reads a cursor the API issued', () =>
    expect(decodeCursor(good, ['timestamp', 'uuid'] as const)).toEqual([
      '2024-05-01T10:00:00.000Z',
      '00000000-0000-4000-8000-000000000000',
    ]));
  it.each([
    ['not base64', 'not a cursor!'],
    ['base64 of garbage', Buffer.from('garbage').toString('base64url')],
    ['JSON that is not a list', encodeCursor([]).replace(/.*/, Buffer.from('{"a":1}').toString('base64url'))],
    ['wrong arity', encodeCursor(['2024-05-01T10:00:00.000Z'])],
    ['timestamp that is not one', encodeCursor(['yesterday', '00000000-0000-4000-8000-000000000000'])],
    ['timestamp out of range', encodeCursor(['99999-01-01T00:00:00Z', '00000000-0000-4000-8000-000000000000'])],
    ['id that is not a uuid', encodeCursor(['2024-05-01T10:00:00.000Z', "1' OR '1'='1"])],
    ['number where text belongs', encodeCursor([1, 2])],
    ['nested values', Buffer.from('[["a"],{"b":1}]').toString('base64url')],
    ['a huge cursor', 'A'.repeat(100_000)],
    ['NUL inside', Buffer.from('["\\u0000","x"]').toString('base64url')],
  ])('refuses %s as BAD_USER_INPUT', (_name, cursor) => {
    try {
      decodeCursor(cursor, ['timestamp', 'uuid'] as const);
      throw new Error('accepted');
    } catch (err) {
      expect((err as { extensions?: { code?: string } }).extensions?.code).toBe('BAD_USER_INPUT');
    }
  });
  it('checks integer, decimal and real positions', () => {
    expect(decodeCursor(encodeCursor([42]), ['int'] as const)).toEqual([42]);
    expect(() => decodeCursor(encodeCursor([-1]), ['int'] as const)).toThrow();
    expect(() => decodeCursor(encodeCursor([1.5]), ['int'] as const)).toThrow();
    expect(
      decodeCursor(encodeCursor(['45.00', '00000000-0000-4000-8000-000000000000']), ['decimal', 'uuid'] as const)?.[0],
    ).toBe('45.00');
    expect(() =>
      decodeCursor(encodeCursor(['1e999', '00000000-0000-4000-8000-000000000000']), ['decimal', 'uuid'] as const),
    ).toThrow();
    expect(() =>
      decodeCursor(encodeCursor(['0.5', '00000000-0000-4000-8000-000000000000']), ['real', 'uuid'] as const),
    ).toThrow();
  });
});

describe('response budget', () => {
  it('passes small responses through as compact JSON', () => {
    expect(budgetedStringify(1024)({ data: { a: 1 } })).toBe('{"data":{"a":1}}');
  });
  it('replaces a response over the budget with a coded error', () => {
    const told: number[] = [];
    const out = JSON.parse(budgetedStringify(1024, (b) => told.push(b))({ data: { a: 'x'.repeat(2000) } }));
    expect(out.data).toBeNull();
    expect(out.errors[0].extensions).toEqual({ code: 'BAD_USER_INPUT', reason: 'RESPONSE_TOO_LARGE' });
    expect(told[0]).toBeGreaterThan(2000);
  });
  it('writes the JSON of shared data once, and of anything else every time', () => {
    let writes = 0;
    const counted = () => ({
      toJSON() {
        writes++;
        return { a: 1 };
      },
    });
    const stringify = budgetedStringify(1024);
    const shared = counted();
    markSharedData(shared);
    expect([stringify({ data: shared }), stringify({ data: shared })]).toEqual([
      '{"data":{"a":1}}',
      '{"data":{"a":1}}',
    ]);
    expect(writes).toBe(1);
    // Not shared, or with errors or extensions beside it: written each time.
    const own = counted();
    stringify({ data: own });
    stringify({ data: own });
    stringify({ data: shared, errors: [{ message: 'x' }] });
    stringify({ data: shared, extensions: { n: 1 } });
    expect(writes).toBe(5);
    // Each stringifier keeps its own: another budget may refuse what this one passed.
    expect(JSON.parse(budgetedStringify(10)({ data: shared })).errors?.[0].extensions.reason).toBe(
      'RESPONSE_TOO_LARGE',
    );
  });
  it('counts bytes, not characters', () => {
    expect(JSON.parse(budgetedStringify(1024)({ data: { a: '🌿'.repeat(300) } })).errors?.[0].extensions.reason).toBe(
      'RESPONSE_TOO_LARGE',
    );
  });
});

describe('HTTP edge', () => {
  async function serve(
    execute: (signal?: AbortSignal) => Promise<unknown>,
    options: { deadlineMs?: number; maxVariableDepth?: number } = {},
  ) {
    let seen: AbortSignal | undefined;
    const http = createHttpService({
      name: 'test',
      log: pino({ level: 'silent' }),
      metrics: createMetrics('test-http-edge'),
      bodyLimitBytes: 1_000_000,
      apollo: {
        executeHTTPGraphQLRequest: ({ context }: { context: () => Promise<unknown> }) =>
          context().then(() => execute(seen)),
        stop: async () => undefined,
      } as never,
      context: async (info) => {
        seen = info.deadline;
        return {};
      },
      ready: async () => ({ ok: true, checks: {} }),
      ...options,
    });
    const base = await http.listen(0, '127.0.0.1');
    return { url: `${base}/graphql`, close: () => http.close(100), signal: () => seen };
  }
  const complete = { status: 200, headers: new Map(), body: { kind: 'complete', string: '{"data":{"ok":true}}' } };

  it('answers a coded 503 at the deadline and aborts the signal the work sees', async () => {
    const s = await serve(() => new Promise(() => undefined), { deadlineMs: 100 });
    try {
      const res = await fetch(s.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"query":"{ a }"}',
      });
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('1');
      expect(((await res.json()) as any).errors[0].extensions).toEqual({
        code: 'INTERNAL_SERVER_ERROR',
        reason: 'DEADLINE_EXCEEDED',
      });
      expect(s.signal()?.aborted).toBe(true);
    } finally {
      await s.close();
    }
  });

  it('refuses invalid UTF-8 and over-deep variables before GraphQL', async () => {
    const s = await serve(async () => complete, { deadlineMs: 1000, maxVariableDepth: 8 });
    try {
      const bad = Buffer.concat([
        Buffer.from('{"query":"{ a(t: \\"'),
        Buffer.from([0xc3, 0x28, 0xff]),
        Buffer.from('\\") }"}'),
      ]);
      const utf8 = await fetch(s.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: bad });
      expect(utf8.status).toBe(400);
      expect(((await utf8.json()) as any).errors[0].extensions.code).toBe('BAD_USER_INPUT');
      const deep = '{"query":"{ a }","variables":{"v":' + '['.repeat(5000) + ']'.repeat(5000) + '}}';
      const depth = await fetch(s.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: deep });
      expect(depth.status).toBe(400);
      expect(((await depth.json()) as any).errors[0]).toEqual(
        expect.objectContaining({ message: expect.stringMatching(/deeper than 8/) }),
      );
      const get = await fetch(
        `${s.url}?query=${encodeURIComponent('{ a }')}&variables=${encodeURIComponent('{"v":' + '['.repeat(50) + ']'.repeat(50) + '}')}`,
      );
      expect(get.status).toBe(400);
      const fine = await fetch(s.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"query":"{ a }","variables":{"v":[[1]]}}',
      });
      expect(fine.status).toBe(200);
    } finally {
      await s.close();
    }
  });
});
