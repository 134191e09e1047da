import 'reflect-metadata';
import { ApolloServer } from '@apollo/server';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginInlineTraceDisabled,
} from '@apollo/server/plugin/disabled';
import { GraphQLError, type GraphQLSchema } from 'graphql';
import { Arg, Field, FieldResolver, Int, ObjectType, Query, Resolver, Root, UseMiddleware } from 'type-graphql';
import { buildFederatedSchema } from '#platform/infra/schema/build-subgraph-schema';
import { COMPILE_AFTER, compiledExecution } from '#platform/infra/schema/compiled-execution';
import { allow, applyPermissions, isAdminRule } from '#platform/infra/shield/shield';

const middlewareCalls: string[] = [];

@ObjectType()
class JitPrice {
  @Field()
  amount: string;

  @Field()
  currency: string;
}

@ObjectType()
class JitRow {
  @Field(() => Int)
  id: number;

  @Field()
  title: string;

  @Field(() => JitPrice)
  price: JitPrice;

  @Field(() => String, { nullable: true })
  note: string | null;

  @UseMiddleware(async ({ root }, next) => {
    middlewareCalls.push(`audited ${(root as JitRow).id}`);
    return next();
  })
  @Field()
  audited: string;

  @Field(() => String)
  upper: string;

  @Field(() => String, { nullable: true })
  failing: string | null;

  @Field(() => String)
  failingRequired: string;

  @Field(() => String, { nullable: true })
  secret: string | null;
}

@ObjectType()
class JitPage {
  @Field(() => [JitRow])
  rows: JitRow[];

  @Field(() => Int)
  total: number;
}

const row = (id: number): Omit<JitRow, 'upper' | 'failing' | 'failingRequired'> => ({
  id,
  title: `row ${id}`,
  price: { amount: `${id}.50`, currency: 'ZAR' },
  note: id % 2 ? null : `even ${id}`,
  audited: `a${id}`,
  secret: `s${id}`,
});

@Resolver(() => JitRow)
class JitResolver {
  @Query(() => JitPage)
  page(@Arg('first', () => Int) first: number): JitPage {
    return { rows: Array.from({ length: first }, (_, i) => row(i + 1) as JitRow), total: 100 };
  }

  @Query(() => JitRow, { nullable: true })
  brokenRow(): JitRow {
    return { ...row(7), title: null } as unknown as JitRow;
  }

  @FieldResolver(() => String)
  async upper(@Root() r: JitRow): Promise<string> {
    return r.title.toUpperCase();
  }

  @FieldResolver(() => String, { nullable: true })
  failing(): string {
    throw new GraphQLError('this field failed', { extensions: { code: 'BAD_USER_INPUT' } });
  }

  @FieldResolver(() => String)
  failingRequired(): string {
    throw new GraphQLError('a required field failed', { extensions: { code: 'BAD_USER_INPUT' } });
  }
}

const rules = {
  Query: { page: allow, brokenRow: allow },
  JitPage: allow,
  JitPrice: allow,
  JitRow: {
    id: allow,
    title: allow,
    price: allow,
    note: allow,
    audited: allow,
    upper: allow,
    failing: allow,
    failingRequired: allow,
    secret: isAdminRule,
  },
};

describe('compiled execution (graphql-jit) answers as graphql-js does', () => {
  let schema: GraphQLSchema;
  let compiled: ApolloServer<any>;
  let reference: ApolloServer<any>;
  const compiledOperations: Array<string | undefined> = [];

  beforeAll(async () => {
    schema = applyPermissions(await buildFederatedSchema({ resolvers: [JitResolver] }), rules);
    // As the subgraphs run them: without inline tracing and cache control, whose per-field hooks wrap every
    // resolver of the shared schema in place.
    const plugins = [ApolloServerPluginInlineTraceDisabled(), ApolloServerPluginCacheControlDisabled()];
    compiled = new ApolloServer({
      gateway: compiledExecution(schema, { onCompiled: (name) => compiledOperations.push(name) }),
      plugins,
    });
    reference = new ApolloServer({ schema, plugins });
    await compiled.start();
    await reference.start();
  });

  afterAll(async () => {
    await compiled.stop();
    await reference.stop();
  });

  /**
   * The operation on graphql-js, and on the compiled server as many times as it takes to run
   * compiled (the first executions run on graphql-js): every answer of the compiled server must be
   * the same, and the last one is returned.
   */
  const both = async (query: string, variables?: Record<string, unknown>, viewer: unknown = null) => {
    const run = (server: ApolloServer<any>) =>
      server.executeOperation({ query, variables }, { contextValue: { viewer } });
    const b = await run(reference);
    const answers = [];
    for (let i = 0; i <= COMPILE_AFTER; i++) answers.push(await run(compiled));
    for (const answer of answers) expect(answer.body).toEqual(answers[answers.length - 1].body);
    return { compiled: answers[answers.length - 1], reference: b };
  };

  it('answers a page with plain, nested, resolved and middleware fields the same', async () => {
    middlewareCalls.length = 0;
    const query = `query P($n: Int!) { page(first: $n) { total rows { id title price { amount currency } note audited upper } } }`;
    const { compiled: a, reference: b } = await both(query, { n: 3 });
    expect(a.body).toEqual(b.body);
    expect(a.body.kind === 'single' && a.body.singleResult.data).toEqual({
      page: {
        total: 100,
        rows: [1, 2, 3].map((id) => ({
          id,
          title: `row ${id}`,
          price: { amount: `${id}.50`, currency: 'ZAR' },
          note: id % 2 ? null : `even ${id}`,
          audited: `a${id}`,
          upper: `ROW ${id}`,
        })),
      },
    });
    // a field with middleware still runs it, under either executor
    // once on graphql-js, COMPILE_AFTER + 1 times on the compiled server
    const perRow = (id: number) => Array(COMPILE_AFTER + 2).fill(`audited ${id}`);
    expect(middlewareCalls.sort()).toEqual([...perRow(1), ...perRow(2), ...perRow(3)]);
  });

  it('gives plain data fields no resolver and keeps resolvers, middleware and rules where they are', () => {
    const fields = (schema.getType('JitRow') as any).getFields();
    expect(fields.title.resolve).toBeUndefined();
    expect(fields.price.resolve).toBeUndefined();
    expect(fields.upper.resolve).toBeInstanceOf(Function);
    expect(fields.audited.resolve).toBeInstanceOf(Function);
    expect(fields.secret.resolve).toBeInstanceOf(Function);
  });

  it('refuses a field its rule denies, with the same error and path', async () => {
    // anonymous: the admin rule asks to sign in
    const { compiled: a, reference: b } = await both(`{ page(first: 2) { rows { id secret } } }`);
    expect(a.body).toEqual(b.body);
    const result = a.body.kind === 'single' ? a.body.singleResult : null;
    expect(result?.errors?.map((e) => [e.path, e.extensions?.code])).toEqual([
      [['page', 'rows', 0, 'secret'], 'UNAUTHENTICATED'],
      [['page', 'rows', 1, 'secret'], 'UNAUTHENTICATED'],
    ]);
    const admin = { kind: 'user', userId: 'a', roles: ['ADMIN'], tokenId: 't' };
    const allowed = await both(`{ page(first: 1) { rows { secret } } }`, undefined, admin);
    expect(allowed.compiled.body).toEqual(allowed.reference.body);
    expect(allowed.compiled.body.kind === 'single' && allowed.compiled.body.singleResult.data).toEqual({
      page: { rows: [{ secret: 's1' }] },
    });
  });

  it('nulls a failed field, and bubbles a failed required field up to the nearest nullable parent, as graphql-js does', async () => {
    const nullable = await both(`{ page(first: 1) { rows { id failing } } }`);
    expect(nullable.compiled.body).toEqual(nullable.reference.body);
    const bubbled = await both(`{ brokenRow { id title } page(first: 1) { rows { failingRequired } } }`);
    expect(bubbled.compiled.body).toEqual(bubbled.reference.body);
    const result = bubbled.compiled.body.kind === 'single' ? bubbled.compiled.body.singleResult : null;
    expect(result?.data).toBeNull();
    expect(result?.errors?.map((e) => e.path)).toEqual(
      expect.arrayContaining([
        ['brokenRow', 'title'],
        ['page', 'rows', 0, 'failingRequired'],
      ]),
    );
  });

  it('refuses bad variables with BAD_USER_INPUT and status 400, as graphql-js does', async () => {
    const query = `query P($n: Int!) { page(first: $n) { total } }`;
    for (const variables of [{}, { n: 'three' }, { n: 1.5 }]) {
      const { compiled: a, reference: b } = await both(query, variables);
      expect(a.http.status).toBe(400);
      expect(a.http.status).toBe(b.http.status);
      const errors = (r: typeof a) => (r.body.kind === 'single' ? r.body.singleResult.errors : null);
      expect(errors(a)?.map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT']);
      expect(errors(a)?.map((e) => e.message)).toEqual(errors(b)?.map((e) => e.message));
    }
  });

  it('compiles an operation on its second execution, not its first, and only once', async () => {
    const query = `query Once { page(first: 1) { total } }`;
    const run = () => compiled.executeOperation({ query }, { contextValue: {} });
    await run();
    expect(compiledOperations).not.toContain('Once');
    await run();
    await run();
    expect(compiledOperations.filter((n) => n === 'Once')).toEqual(['Once']);
  });

  it('runs the named operation of a document with several, and refuses an unknown name', async () => {
    const query = `query A { page(first: 1) { total } } query B { page(first: 2) { rows { id } } }`;
    const named = [];
    for (const operationName of ['A', 'B', 'A', 'B', 'A', 'B'])
      named.push(await compiled.executeOperation({ query, operationName }, { contextValue: {} }));
    const a = { page: { total: 100 } };
    const b = { page: { rows: [{ id: 1 }, { id: 2 }] } };
    expect(named.map((r) => r.body.kind === 'single' && r.body.singleResult.data)).toEqual([a, b, a, b, a, b]);
    expect(compiledOperations).toEqual(expect.arrayContaining(['A', 'B']));
    const unknown = await both(query.replace('query B', 'query C'), undefined);
    const codes = (r: typeof unknown.compiled) =>
      r.body.kind === 'single' ? r.body.singleResult.errors?.map((e) => e.extensions?.code) : null;
    expect(codes(unknown.compiled)).toEqual(codes(unknown.reference));
  });
});
