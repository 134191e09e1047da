import '#platform/infra/node-compat';
import { isObjectType, type GraphQLFieldResolver, type GraphQLSchema } from 'graphql';
import { applyMiddleware } from 'graphql-middleware';
import { allow, deny, rule, shield, type IRules } from 'graphql-shield';
import { isAdmin, hasRole, type RoleName, type Viewer } from '#platform/infra/auth/viewer';
import { ForbiddenError, UnauthenticatedError } from '#platform/infra/errors';

export { allow, deny, and, or, not, rule, chain, race } from 'graphql-shield';

interface WithViewer {
  viewer: Viewer | null;
}

/** A signed-in user; anonymous callers get UNAUTHENTICATED rather than a generic refusal. */
export const isAuthenticated = rule({ cache: 'contextual' })((_parent, _args, ctx: WithViewer) =>
  ctx.viewer ? true : new UnauthenticatedError(),
);

export const isAdminRule = rule({ cache: 'contextual' })((_parent, _args, ctx: WithViewer) => {
  if (!ctx.viewer) return new UnauthenticatedError();
  return isAdmin(ctx.viewer) ? true : new ForbiddenError('Administrators only');
});

export function hasRoleRule(role: RoleName) {
  return rule(`hasRole:${role}`, { cache: 'contextual' })((_parent, _args, ctx: WithViewer) => {
    if (!ctx.viewer) return new UnauthenticatedError();
    return hasRole(ctx.viewer, role) ? true : new ForbiddenError(`Requires the ${role} role`);
  });
}

/**
 * The parent object belongs to the viewer (by `idField`), or the viewer is an ADMIN. Not cached
 * (`no_cache`): shield's `strict` cache keys each call on a hash of the whole parent object
 * (object-hash), which cost more than this comparison — 6% of a subgraph's CPU on `me`.
 */
export function isSelfOrAdmin(idField = 'id') {
  return rule(`isSelfOrAdmin:${idField}`, { cache: 'no_cache' })(
    (parent: Record<string, unknown>, _args, ctx: WithViewer) => {
      if (!ctx.viewer) return new UnauthenticatedError();
      return isAdmin(ctx.viewer) || parent[idField] === ctx.viewer.userId ? true : new ForbiddenError();
    },
  );
}

/** Federation's own fields (those this schema has): the gateway needs them; entity fields keep their own rules. */
function federationRules(schema: GraphQLSchema): Record<string, Record<string, unknown>> {
  const queryFields = schema.getQueryType()?.getFields() ?? {};
  const query: Record<string, unknown> = { _service: allow };
  if (queryFields._entities) query._entities = allow;
  return { Query: query, _Service: { sdl: allow } };
}

function merge(rules: Record<string, any>, extra: Record<string, any>): IRules {
  const out: Record<string, any> = { ...rules };
  for (const [type, fields] of Object.entries(extra)) out[type] = { ...(out[type] ?? {}), ...fields };
  return out;
}

/**
 * Deny by default: a field without a rule is refused with FORBIDDEN. Errors the resolvers throw
 * themselves (already coded) pass through unchanged.
 */
export function applyPermissions(schema: GraphQLSchema, rules: IRules): GraphQLSchema {
  const permissions = shield(merge(rules as Record<string, any>, federationRules(schema)), {
    fallbackRule: deny,
    fallbackError: () => new ForbiddenError('Not allowed'),
    allowExternalErrors: true,
    debug: false,
  });
  return withoutMiddlewareWhereAllowed(schema, applyMiddleware(schema, permissions), rules as Record<string, any>);
}

/**
 * Shield wraps every field of every type in middleware, `allow` ones included: for a page of 20
 * listings that is hundreds of calls that decide nothing. A field whose rule is exactly `allow` (and
 * no rate limit, which would make it another rule) gets its own resolver back.
 */
function withoutMiddlewareWhereAllowed(
  original: GraphQLSchema,
  shielded: GraphQLSchema,
  rules: Record<string, any>,
): GraphQLSchema {
  const originals = new Map<string, GraphQLFieldResolver<unknown, unknown> | undefined>();
  for (const type of Object.values(original.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields())) originals.set(`${type.name}.${field.name}`, field.resolve);
  }
  for (const type of Object.values(shielded.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    const typeRule = rules[type.name];
    for (const field of Object.values(type.getFields())) {
      const rule =
        typeRule === allow
          ? allow
          : typeRule && typeof typeRule === 'object' && !('resolve' in typeRule)
            ? typeRule[field.name]
            : undefined;
      if (rule !== allow) continue;
      const key = `${type.name}.${field.name}`;
      if (originals.has(key)) field.resolve = originals.get(key);
    }
  }
  return shielded;
}
