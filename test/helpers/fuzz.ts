import {
  getNamedType,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isLeafType,
  isListType,
  isNonNullType,
  isUnionType,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLNamedType,
  type GraphQLObjectType,
  type GraphQLSchema,
} from 'graphql';

/**
 * Random operations that are valid against a schema (fields, arguments and variable types all
 * exist), with random argument values: some sensible, some hostile, some out of range. Values go
 * into the document as literals or as variables, at random. Seeded, so a failure can be replayed.
 */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface FuzzPools {
  /** Ids that exist (listings, users, sources), so some operations reach real rows. */
  ids: string[];
}

export interface FuzzOperation {
  query: string;
  variables: Record<string, unknown>;
  kind: 'query' | 'mutation';
  fields: string[];
}

const STRINGS = [
  'hemp',
  '',
  ' ',
  'Hemp lot from Limpopo',
  '45.00',
  '0.01',
  '-1',
  '1e9',
  '2024-05-01T10:00:00.000Z',
  'not-a-date',
  "' OR 1=1 --",
  '<script>alert(1)</script>',
  '${jndi:ldap://x}',
  'ñandú 🌿 قنب',
  '\u200B\u200B',
  'a\u0000b',
  'x\u202Ey',
  'A'.repeat(300),
  'eyJ4IjoxfQ',
  'WyIyMDI0LTA1LTAxVDEwOjAwOjAwLjAwMFoiLCIwMDAwMDAwMC0wMDAwLTQwMDAtODAwMC0wMDAwMDAwMDAwMDAiXQ',
  'user@example.co.za',
  'Hemp-field-2024',
];
const INTS = [0, 1, 2, 3, 5, 10, 20, 50, 99, 100, 101, -1, 2147483647, -2147483648];
const FLOATS = [0, 0.001, 1, 1.5, 10, 250.75, 1e6, 1e7, -3, 1e308];

export function createFuzzer(schema: GraphQLSchema, pools: FuzzPools, random: () => number) {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  const chance = (p: number) => random() < p;
  const uuid = () => {
    const h = () => Math.floor(random() * 16).toString(16);
    return `${Array.from({ length: 8 }, h).join('')}-${Array.from({ length: 4 }, h).join('')}-4${Array.from({ length: 3 }, h).join('')}-8${Array.from({ length: 3 }, h).join('')}-${Array.from({ length: 12 }, h).join('')}`;
  };

  function scalarValue(named: GraphQLNamedType, argName: string): unknown {
    if (isEnumType(named)) return { enum: pick(named.getValues()).name };
    switch (named.name) {
      case 'Int':
        return argName === 'first' ? pick([0, 1, 5, 10, 20, 100, 101, -1]) : pick(INTS);
      case 'Float':
        return pick(FLOATS);
      case 'Boolean':
        return chance(0.5);
      case 'ID':
        return chance(0.6) && pools.ids.length
          ? pick(pools.ids)
          : chance(0.7)
            ? uuid()
            : pick(['x', '1', '', 'not-an-id']);
      case 'DateTime':
        return chance(0.8)
          ? new Date(Date.now() - Math.floor(random() * 90) * 86_400_000).toISOString()
          : pick(['yesterday', '0000-00-00', '']);
      case 'JSON':
        return pick([{ page: 'home', n: 1 }, { nested: { list: [1, 'two', null] } }, 'text', 42, null, []]);
      default:
        return pick(STRINGS);
    }
  }

  /** A value for an input type; `{ enum }` marks enum values (printed bare as literals). */
  function inputValue(type: GraphQLInputType, argName: string, depth = 0): unknown {
    if (isNonNullType(type)) return inputValue(type.ofType, argName, depth);
    if (chance(0.05)) return null;
    if (isListType(type))
      return Array.from({ length: Math.floor(random() * 4) }, () => inputValue(type.ofType, argName, depth + 1));
    const named = type as GraphQLNamedType;
    if (isInputObjectType(named)) {
      const out: Record<string, unknown> = {};
      for (const f of Object.values(named.getFields())) {
        if (isNonNullType(f.type) || (depth < 3 && chance(0.5))) out[f.name] = inputValue(f.type, f.name, depth + 1);
      }
      return out;
    }
    return scalarValue(named, argName);
  }

  function literal(value: unknown): string {
    if (value === null || value === undefined) return 'null';
    if (Array.isArray(value)) return `[${value.map(literal).join(', ')}]`;
    if (typeof value === 'object') {
      const o = value as Record<string, unknown>;
      if (Object.keys(o).length === 1 && 'enum' in o && typeof o.enum === 'string') return o.enum;
      return `{${Object.entries(o)
        .map(([k, v]) => `${k}: ${literal(v)}`)
        .join(', ')}}`;
    }
    if (typeof value === 'string') return JSON.stringify(value);
    return String(value);
  }

  /** JSON for the variables: enum markers become their names. */
  function plain(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(plain);
    if (value && typeof value === 'object') {
      const o = value as Record<string, unknown>;
      if (Object.keys(o).length === 1 && 'enum' in o && typeof o.enum === 'string') return o.enum;
      return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, plain(v)]));
    }
    return value;
  }

  function build(): FuzzOperation {
    const kind = chance(0.8) ? 'query' : 'mutation';
    const root = (kind === 'query' ? schema.getQueryType() : schema.getMutationType()) as GraphQLObjectType;
    const declarations: string[] = [];
    const variables: Record<string, unknown> = {};
    let counter = 0;

    function args(field: GraphQLField<unknown, unknown>, rootField: boolean): string {
      const parts: string[] = [];
      for (const arg of field.args as GraphQLArgument[]) {
        if (!isNonNullType(arg.type) && !chance(0.5)) continue;
        let value = inputValue(arg.type, arg.name);
        // Never erase or re-role the fuzz's own users: those two take a random id.
        if (rootField && (field.name === 'requestErasure' || field.name === 'setUserRoles') && arg.name === 'userId')
          value = uuid();
        if (value === null && isNonNullType(arg.type)) value = inputValue(arg.type, arg.name);
        if (chance(0.5)) {
          const name = `v${counter++}`;
          declarations.push(`$${name}: ${arg.type.toString()}`);
          variables[name] = plain(value);
          parts.push(`${arg.name}: $${name}`);
        } else {
          parts.push(`${arg.name}: ${literal(value)}`);
        }
      }
      return parts.length ? `(${parts.join(', ')})` : '';
    }

    function selection(type: GraphQLNamedType, depth: number): string {
      if (isUnionType(type) || isInterfaceType(type)) {
        const possible = schema.getPossibleTypes(type);
        const fragments = possible.filter(() => chance(0.5)).map((p) => `... on ${p.name} ${selection(p, depth + 1)}`);
        return `{ __typename ${fragments.join(' ')} }`;
      }
      const object = type as GraphQLObjectType;
      const fields = Object.values(object.getFields());
      const chosen = fields.filter(() => chance(depth >= 3 ? 0.15 : 0.35));
      if (!chosen.length) chosen.push(pick(fields));
      const parts: string[] = [];
      for (const f of chosen) {
        const named = getNamedType(f.type);
        if (isLeafType(named)) {
          parts.push(`${f.name}${args(f, false)}`);
        } else if (depth >= 4) {
          parts.push('__typename');
        } else {
          parts.push(`${f.name}${args(f, false)} ${selection(named, depth + 1)}`);
        }
      }
      return `{ ${[...new Set(parts)].join(' ')} }`;
    }

    const rootFields = Object.values(root.getFields());
    const chosen = Array.from({ length: kind === 'mutation' ? 1 : 1 + Math.floor(random() * 3) }, () =>
      pick(rootFields),
    );
    const parts = chosen.map((f, i) => {
      const named = getNamedType(f.type);
      const alias = `r${i}: `;
      return `${alias}${f.name}${args(f, true)}${isLeafType(named) ? '' : ` ${selection(named, 1)}`}`;
    });
    const header = declarations.length ? `(${declarations.join(', ')})` : '';
    return {
      query: `${kind} Fuzz${header} { ${parts.join(' ')} }`,
      variables,
      kind,
      fields: chosen.map((f) => f.name),
    };
  }

  return { build };
}
