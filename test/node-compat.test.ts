import { readFileSync } from 'node:fs';
import path from 'node:path';
import { buildSchema, graphql, type GraphQLSchema } from 'graphql';
import { applyMiddleware } from 'graphql-middleware';
import { PROJECT_ROOT } from '#platform/infra/paths';
import { shield } from 'graphql-shield';
import { allow, chain, deny, race } from '#platform/infra/shield/shield';

/** graphql-shield's chain and race rules on Node 24 (they call util.isUndefined, removed in Node 23). */
describe('graphql-shield on this Node', () => {
  const base: GraphQLSchema = buildSchema('type Query { chained: String refused: String raced: String }');
  for (const field of Object.values(base.getQueryType()!.getFields())) field.resolve = () => 'ok';
  const schema = applyMiddleware(
    base,
    shield(
      { Query: { chained: chain(allow, allow), refused: chain(allow, deny), raced: race(deny, allow) } },
      { allowExternalErrors: true },
    ),
  );

  it('evaluates chain and race rules', async () => {
    const result = await graphql({ schema, source: '{ chained raced }' });
    expect(result.errors).toBeUndefined();
    expect(result.data).toEqual({ chained: 'ok', raced: 'ok' });
    const refused = await graphql({ schema, source: '{ refused }' });
    expect(refused.errors?.[0].message).toBe('Not Authorised!');
  });

  it('still needs the shim: graphql-shield still calls util.isUndefined (delete platform/infra/node-compat.ts when this fails)', () => {
    const rules = readFileSync(path.join(PROJECT_ROOT, 'node_modules', 'graphql-shield', 'cjs', 'rules.js'), 'utf8');
    expect(rules).toContain('util_1.isUndefined');
  });
});
