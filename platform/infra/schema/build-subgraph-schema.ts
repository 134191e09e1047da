import 'reflect-metadata';
import { GraphQLSchema, parse } from 'graphql';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { printSchemaWithDirectives } from '@graphql-tools/utils';
import { buildSchema, createResolversMap, type BuildSchemaOptions } from 'type-graphql';
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
  for (const [typeName, reference] of Object.entries(referenceResolvers ?? {})) {
    resolvers[typeName] = { ...(resolvers[typeName] as object), ...reference } as never;
  }
  const typeDefs = parse(`${FEDERATION_LINK}\n\n${printSchemaWithDirectives(schema)}`);
  return buildSubgraphSchema([{ typeDefs, resolvers }]);
}
