import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  buildSchema,
  getNamedType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLSchema,
} from 'graphql';
import { PROJECT_ROOT, SCHEMA_DIR } from '#platform/infra/paths';
import { Role } from '#platform/infra/schema/shared-types';
import { insertUsers } from './helpers/fixtures';
import { startTestStack, type TestStack } from './helpers/stack';

/**
 * The authorization matrix, generated from the composed API schema and checked against the
 * expected-access table in test/authz/access.json: every field must have an entry (a new field
 * without one fails here), and every root field is called as each persona through the gateway.
 * An operation counts as refused when it is answered UNAUTHENTICATED or FORBIDDEN at its path.
 */
type Access = 'public' | 'authenticated' | 'buyer' | 'seller' | 'admin' | 'self' | 'consent';
interface Entry {
  access: Access;
  /** Why this root field is not called here (it is covered by the named test instead). */
  skip?: string;
  note?: string;
}

const table = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'test', 'authz', 'access.json'), 'utf8')) as Record<
  string,
  Entry
>;
const schema: GraphQLSchema = buildSchema(readFileSync(path.join(SCHEMA_DIR, 'api-schema.graphql'), 'utf8'));

const PERSONAS = ['anonymous', 'buyer', 'seller', 'admin'] as const;
type Persona = (typeof PERSONAS)[number];
const ALLOWED: Record<Access, Persona[]> = {
  public: ['anonymous', 'buyer', 'seller', 'admin'],
  authenticated: ['buyer', 'seller', 'admin'],
  // root fields of these kinds need a signed-in caller; what they return is then filtered per row
  self: ['buyer', 'seller', 'admin'],
  consent: ['buyer', 'seller', 'admin'],
  buyer: ['buyer', 'admin'],
  seller: ['seller', 'admin'],
  admin: ['admin'],
};

function allFields(): string[] {
  const out: string[] = [];
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.keys(type.getFields())) out.push(`${type.name}.${field}`);
  }
  return out.sort();
}

/** A value of the right type for a required argument: ids that exist nowhere, short strings. */
function sample(type: GraphQLInputType, depth = 0): string {
  if (isNonNullType(type)) return sample(type.ofType, depth);
  if (isListType(type)) return `[${sample(type.ofType, depth)}]`;
  const named = getNamedType(type);
  if (isEnumType(named)) return named.getValues()[0].name;
  if (isInputObjectType(named)) {
    const fields = Object.values(named.getFields()).filter((f) => isNonNullType(f.type) && depth < 3);
    return `{ ${fields.map((f) => `${f.name}: ${sample(f.type, depth + 1)}`).join(', ')} }`;
  }
  if (isScalarType(named)) {
    switch (named.name) {
      case 'ID':
        return JSON.stringify(randomUUID());
      case 'Int':
        return '1';
      case 'Float':
        return '1.5';
      case 'Boolean':
        return 'true';
      case 'DateTime':
        return JSON.stringify(new Date(Date.now() + 86_400_000).toISOString());
      case 'JSON':
        return '{}';
      default:
        return JSON.stringify('authz-matrix');
    }
  }
  return 'null';
}

function operationFor(kind: 'query' | 'mutation', field: GraphQLField<unknown, unknown>): string {
  const args = field.args.filter((a) => isNonNullType(a.type)).map((a) => `${a.name}: ${sample(a.type)}`);
  const selection = isObjectType(getNamedType(field.type)) ? ' { __typename }' : '';
  return `${kind} { ${field.name}${args.length ? `(${args.join(', ')})` : ''}${selection} }`;
}

describe('authorization matrix', () => {
  it('has an expected-access entry for every field of the API schema, and none for fields that are gone', () => {
    const fields = allFields();
    const missing = fields.filter((f) => !table[f]);
    const stale = Object.keys(table).filter((f) => !fields.includes(f));
    expect({ missing, stale }).toEqual({ missing: [], stale: [] });
  });

  describe('root fields called as every persona through the gateway', () => {
    let t: TestStack;
    const tokens: Partial<Record<Persona, string>> = {};

    beforeAll(async () => {
      t = await startTestStack({
        env: {
          RATE_LIMIT_LOGIN_PER_EMAIL: '1000',
          RATE_LIMIT_LOGIN_PER_IP: '1000',
          RATE_LIMIT_REGISTER_PER_IP: '1000',
        },
      });
      const [buyer, seller, admin] = await insertUsers(t.stack, 3, [Role.BUYER]);
      tokens.buyer = await t.tokenFor(buyer.id, [Role.BUYER]);
      tokens.seller = await t.tokenFor(seller.id, [Role.SELLER]);
      tokens.admin = await t.tokenFor(admin.id, [Role.ADMIN]);
    });
    afterAll(async () => t?.stop());

    const roots: Array<[string, 'query' | 'mutation', GraphQLField<unknown, unknown>]> = [];
    for (const kind of ['query', 'mutation'] as const) {
      const type = kind === 'query' ? schema.getQueryType() : schema.getMutationType();
      for (const field of Object.values(type?.getFields() ?? {}))
        roots.push([`${type?.name}.${field.name}`, kind, field]);
    }

    it.each(roots.filter(([name]) => !table[name]?.skip))('%s', async (name, kind, field) => {
      const entry = table[name];
      expect(entry).toBeDefined();
      const outcome: Record<Persona, 'allowed' | 'refused'> = {} as never;
      for (const persona of PERSONAS) {
        const res = await t.gql(operationFor(kind, field), {}, { token: tokens[persona] });
        const refusal =
          res.status === 401 ||
          (res.body.errors ?? []).some(
            (e) => e.path?.[0] === field.name && ['UNAUTHENTICATED', 'FORBIDDEN'].includes(e.extensions?.code),
          );
        expect(res.status).toBeLessThan(500);
        outcome[persona] = refusal ? 'refused' : 'allowed';
      }
      const expected = Object.fromEntries(
        PERSONAS.map((p) => [p, ALLOWED[entry.access].includes(p) ? 'allowed' : 'refused']),
      );
      expect(outcome).toEqual(expected);
    });

    it('lists why every skipped root field is skipped', () => {
      for (const [name] of roots) if (table[name]?.skip) expect(table[name].skip?.length).toBeGreaterThan(10);
    });
  });
});
