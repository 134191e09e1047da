import 'reflect-metadata';
import { graphql } from 'graphql';
import { Field, ObjectType, Query, Resolver } from 'type-graphql';
import { buildFederatedSchema } from '#platform/infra/schema/build-subgraph-schema';
import { allow, applyPermissions, isAdminRule } from '#platform/infra/shield/shield';
import { SUBGRAPHS } from '../subgraphs';
import { buildModuleSchema, type SubgraphModule } from '#platform/infra/service/subgraph';
import { isObjectType, isIntrospectionType, type GraphQLSchema } from 'graphql';

@ObjectType()
class Probe {
  @Field()
  open: string;

  @Field()
  forgotten: string;
}

@Resolver(() => Probe)
class ProbeResolver {
  @Query(() => Probe)
  probe(): Probe {
    return { open: 'yes', forgotten: 'should never be seen' };
  }

  @Query(() => String)
  secret(): string {
    return 'admins only';
  }
}

describe('deny by default', () => {
  let schema: GraphQLSchema;
  beforeAll(async () => {
    const built = await buildFederatedSchema({ resolvers: [ProbeResolver] });
    schema = applyPermissions(built, { Query: { probe: allow, secret: isAdminRule }, Probe: { open: allow } });
  });

  it('refuses a field that has no rule with FORBIDDEN', async () => {
    const res = await graphql({ schema, source: '{ probe { open forgotten } }', contextValue: { viewer: null } });
    expect(res.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect(JSON.stringify(res)).not.toContain('should never be seen');
  });

  it('still serves the fields that have a rule, and the federation fields', async () => {
    const res = await graphql({
      schema,
      source: '{ probe { open } _service { sdl } }',
      contextValue: { viewer: null },
    });
    expect(res.errors).toBeUndefined();
    expect((res.data as any).probe.open).toBe('yes');
  });

  it('tells anonymous callers to authenticate and others that they may not', async () => {
    const anonymous = await graphql({ schema, source: '{ secret }', contextValue: { viewer: null } });
    expect(anonymous.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    const buyer = await graphql({
      schema,
      source: '{ secret }',
      contextValue: { viewer: { kind: 'user', userId: 'u', roles: ['BUYER'], tokenId: 't' } },
    });
    expect(buyer.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const admin = await graphql({
      schema,
      source: '{ secret }',
      contextValue: { viewer: { kind: 'user', userId: 'u', roles: ['ADMIN'], tokenId: 't' } },
    });
    expect(admin.data).toEqual({ secret: 'admins only' });
  });
});

describe('every field of every subgraph has an explicit rule', () => {
  it.each(SUBGRAPHS.map((m) => [m.name, m] as const))('%s', async (_name, module) => {
    const schema = await buildModuleSchema(module as SubgraphModule<unknown>);
    const rules = module.permissions as Record<string, unknown>;
    const missing: string[] = [];
    for (const type of Object.values(schema.getTypeMap())) {
      if (!isObjectType(type) || isIntrospectionType(type) || type.name.startsWith('_')) continue;
      const rule = rules[type.name];
      for (const field of Object.keys(type.getFields())) {
        if (['Query', 'Mutation'].includes(type.name) && field.startsWith('_')) continue;
        const covered =
          rule !== undefined &&
          (typeof rule !== 'object' ||
            rule === null ||
            'resolve' in (rule as object) ||
            field in (rule as object) ||
            '*' in (rule as object));
        if (!covered) missing.push(`${type.name}.${field}`);
      }
    }
    expect(missing).toEqual([]);
  });
});
