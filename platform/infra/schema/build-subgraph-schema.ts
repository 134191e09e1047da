import 'reflect-metadata';
import { GraphQLSchema, isObjectType, parse } from 'graphql';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { printSchemaWithDirectives } from '@graphql-tools/utils';
import { buildSchema, createResolversMap, getMetadataStorage, type BuildSchemaOptions } from 'type-graphql';
import { DateTimeResolver } from 'graphql-scalars';

/** One schema module as buildSubgraphSchema takes it (the package exports no name for it). */
type SubgraphModule = Extract<
  Extract<Parameters<typeof buildSubgraphSchema>[0], readonly unknown[]>[number],
  { typeDefs: unknown }
>;
type SubgraphResolvers = NonNullable<SubgraphModule['resolvers']>;

/** The one Federation version every subgraph links, pinned here. */
export const FEDERATION_LINK =
  'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@shareable", "@external", "@requires", "@provides", "@inaccessible", "@tag"])';

export type ReferenceResolvers = Record<string, { __resolveReference: (reference: any, context: any) => unknown }>;

export interface FederatedSchemaOptions extends Omit<BuildSchemaOptions, 'skipCheck' | 'scalarsMap'> {
  referenceResolvers?: ReferenceResolvers;
}

/**
 * The plain data fields of an object type, by type name: fields with no resolver method, no
 * middleware, no roles, and the same name in the schema as in the class. Read after buildSchema, when
 * type-graphql has attached middleware and roles to its field metadata.
 *
 * type-graphql wraps every field in a function that only reads the property, allocating for each
 * field of each row: hundreds of calls on a catalogue page, and under compiled execution
 * (compiled-execution.ts) most of what is left of it. Without a resolver the property is read
 * directly, as graphql-js's default resolver (or graphql-jit's compiled read) does.
 */
function plainFields(schema: GraphQLSchema): Map<string, string[]> {
  const storage = getMetadataStorage();
  const methods = new Map<Function, Set<string>>();
  for (const r of storage.fieldResolvers) {
    const target = r.getObjectType?.();
    if (!target) continue;
    if (!methods.has(target)) methods.set(target, new Set());
    methods.get(target)!.add(r.methodName);
  }
  const out = new Map<string, string[]>();
  for (const type of storage.objectTypes) {
    if (!isObjectType(schema.getType(type.name))) continue;
    const plain = (type.fields ?? []).filter(
      (f) =>
        f.simple !== false &&
        f.name === f.schemaName &&
        !f.middlewares?.length &&
        !f.roles &&
        !methods.get(f.target)?.has(f.name) &&
        !methods.get(type.target)?.has(f.name),
    );
    if (plain.length)
      out.set(
        type.name,
        plain.map((f) => f.schemaName),
      );
  }
  return out;
}

/**
 * type-graphql classes → SDL with directives → Federation 2 subgraph schema. Every subgraph goes
 * through here, so scalars, the `@link` and validation behave the same everywhere.
 */
export async function buildFederatedSchema(options: FederatedSchemaOptions): Promise<GraphQLSchema> {
  const { referenceResolvers, ...buildOptions } = options;
  const schema = await buildSchema({
    ...buildOptions,
    scalarsMap: [{ type: Date, scalar: DateTimeResolver }],
    validate: { forbidUnknownValues: false, validationError: { target: false, value: false } },
    skipCheck: true,
  });
  const resolvers = createResolversMap(schema) as SubgraphResolvers;
  for (const [typeName, fields] of plainFields(schema)) {
    const typeResolvers = resolvers[typeName] as Record<string, unknown> | undefined;
    for (const field of fields) delete typeResolvers?.[field];
  }
  for (const [typeName, reference] of Object.entries(referenceResolvers ?? {})) {
    resolvers[typeName] = { ...(resolvers[typeName] as object), ...reference } as never;
  }
  const typeDefs = parse(`${FEDERATION_LINK}\n\n${printSchemaWithDirectives(schema)}`);
  return buildSubgraphSchema([{ typeDefs, resolvers }]);
}
