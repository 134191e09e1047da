import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  buildSchema,
  getNamedType,
  isEnumType,
  isInputObjectType,
  isNonNullType,
  isObjectType,
  type GraphQLField,
} from 'graphql';
import { SCHEMA_DIR } from '#platform/infra/paths';
import { Role } from '#platform/infra/schema/shared-types';
import { insertUsers } from './helpers/fixtures';
import { startTestStack, type TestStack } from './helpers/stack';
import { post } from './helpers/http';

/**
 * Hostile input through the gateway: whatever arrives, the answer is a coded 4xx or a coded
 * GraphQL error, never a 5xx or a stack trace, and the process keeps serving.
 */
const schema = buildSchema(readFileSync(path.join(SCHEMA_DIR, 'api-schema.graphql'), 'utf8'));
const API_CODES = [
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'BAD_USER_INPUT',
  'NOT_FOUND',
  'CONFLICT',
  'RATE_LIMITED',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_IN_LIST',
  'INTERNAL_SERVER_ERROR',
];
const INJECTIONS = [
  "' OR '1'='1' --",
  '"; DROP TABLE listings.listings; --',
  '<script>alert(1)</script>',
  '../../../../etc/passwd',
  '${jndi:ldap://127.0.0.1/x}',
  '\u0000\u0001\u0002',
  'ﷺ🌿'.repeat(500),
  '%00%2e%2e%2f',
  "O'Brien's hemp farm",
];

let t: TestStack;
let adminToken: string;
beforeAll(async () => {
  t = await startTestStack({
    env: {
      RATE_LIMIT_LOGIN_PER_EMAIL: '100000',
      RATE_LIMIT_LOGIN_PER_IP: '100000',
      RATE_LIMIT_REGISTER_PER_IP: '100000',
      RATE_LIMIT_REGISTER_PER_EMAIL: '100000',
      RATE_LIMIT_CONSENT_PER_USER: '100000',
    },
  });
  const [admin] = await insertUsers(t.stack, 1, [Role.ADMIN]);
  adminToken = await t.tokenFor(admin.id, [Role.ADMIN, Role.BUYER, Role.SELLER]);
});
afterAll(async () => t?.stop());

function expectCoded(status: number, body: any) {
  expect(status).toBeLessThan(500);
  for (const error of body?.errors ?? []) {
    expect(API_CODES).toContain(error.extensions?.code);
    expect(JSON.stringify(error)).not.toMatch(/stacktrace|\bat [\w.<>]+ \(|SELECT |INSERT /);
  }
}

/** Every root field that takes a String somewhere in its arguments, with each injection in it. */
function stringArgumentCases(): Array<[string, string, Record<string, unknown>]> {
  const cases: Array<[string, string, Record<string, unknown>]> = [];
  for (const kind of ['query', 'mutation'] as const) {
    const type = kind === 'query' ? schema.getQueryType() : schema.getMutationType();
    for (const field of Object.values(type?.getFields() ?? {}) as GraphQLField<unknown, unknown>[]) {
      for (const arg of field.args) {
        const named = getNamedType(arg.type);
        const stringy =
          named.name === 'String' ||
          (isInputObjectType(named) &&
            Object.values(named.getFields()).some((f) => getNamedType(f.type).name === 'String'));
        if (!stringy) continue;
        const decl = field.args.map((a) => `$${a.name}: ${a.type.toString()}`).join(', ');
        const call = field.args.map((a) => `${a.name}: $${a.name}`).join(', ');
        const selection = isObjectType(getNamedType(field.type)) ? ' { __typename }' : '';
        const doc = `${kind} Hostile(${decl}) { ${field.name}(${call})${selection} }`;
        for (const injection of INJECTIONS) {
          const vars: Record<string, unknown> = {};
          for (const a of field.args) {
            const n = getNamedType(a.type);
            if (a === arg) vars[a.name] = n.name === 'String' ? injection : fillInput(n, injection);
            else if (isNonNullType(a.type)) vars[a.name] = fillInput(n, injection);
          }
          cases.push([`${field.name}(${arg.name}) ← ${JSON.stringify(injection).slice(0, 30)}`, doc, vars]);
        }
      }
    }
  }
  return cases;
}

function fillInput(type: ReturnType<typeof getNamedType>, text: string): unknown {
  if (!type) return null;
  if (isInputObjectType(type)) {
    const out: Record<string, unknown> = {};
    for (const f of Object.values(type.getFields())) {
      const n = getNamedType(f.type);
      if (n.name === 'String') out[f.name] = text;
      else if (isNonNullType(f.type)) out[f.name] = fillInput(n, text);
    }
    return out;
  }
  switch (type.name) {
    case 'ID':
      return '00000000-0000-4000-8000-000000000000';
    case 'Int':
      return 1;
    case 'Float':
      return 1;
    case 'Boolean':
      return false;
    case 'String':
      return text;
    default:
      return isEnumType(type) ? type.getValues()[0].name : null;
  }
}

describe('injection strings in every string argument', () => {
  const cases = stringArgumentCases();
  it('covers the string arguments of the API', () => expect(cases.length).toBeGreaterThan(50));
  it.each(cases)('%s', async (_name, query, variables) => {
    const res = await t.gql(query, variables, { token: adminToken });
    expectCoded(res.status, res.body);
  });
});

describe('malformed requests', () => {
  it.each([
    ['truncated JSON', '{"query": "{ listings { totalCount } "'],
    ['a JSON string', '"{ listings { totalCount } }"'],
    ['null', 'null'],
    ['deeply nested JSON', '['.repeat(10_000) + ']'.repeat(10_000)],
    ['variables that are not an object', JSON.stringify({ query: '{ systemHealth { status } }', variables: [1, 2] })],
    ['query that is not a string', JSON.stringify({ query: { a: 1 } })],
    ['huge first', JSON.stringify({ query: '{ listings(first: 2147483647) { totalCount } }' })],
    ['negative first', JSON.stringify({ query: '{ listings(first: -5) { totalCount } }' })],
    ['first beyond Int', JSON.stringify({ query: '{ listings(first: 99999999999999) { totalCount } }' })],
    ['a forged cursor', JSON.stringify({ query: '{ listings(after: "not-a-cursor") { totalCount } }' })],
  ])('%s', async (_name, body) => {
    const res = await post(t.gatewayUrl, body);
    // refused before execution: a 4xx; refused by a resolver: 200 with the error (GraphQL over HTTP)
    expect(res.status).toBeLessThan(500);
    expect(API_CODES).toContain(JSON.parse(res.text).errors[0].extensions.code);
    expect(JSON.parse(res.text).data ?? null).toBeNull();
  });

  it('a 20 MB body is refused with 413', async () => {
    const res = await post(t.gatewayUrl, 'a'.repeat(20 * 1024 * 1024));
    expect(res.status).toBe(413);
  });

  it.each([
    ['text/plain', '{"query":"{ systemHealth { status } }"}'],
    ['application/xml', '<query/>'],
    ['multipart/form-data; boundary=x', '--x\r\n\r\n--x--'],
  ])('content type %s is refused with a coded 4xx', async (type, body) => {
    const res = await post(t.gatewayUrl, body, { 'content-type': type });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
  });

  it('GET mutations are refused', async () => {
    const res = await fetch(`${t.gatewayUrl}?query=${encodeURIComponent('mutation { logout(refreshToken: "x") }')}`, {
      headers: { 'apollo-require-preflight': 'true' },
    });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
  });

  it('the process is alive and serving afterwards', async () => {
    const res = await t.gql('{ systemHealth { status } dataSources { slug } }');
    expect(res.status).toBe(200);
    expect(res.body.data.dataSources).toHaveLength(3);
  });
});
