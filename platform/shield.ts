import './node-compat';
import type { GraphQLSchema } from 'graphql';
import { applyMiddleware } from 'graphql-middleware';
import { allow, deny, rule, shield, type IRules } from 'graphql-shield';
import { isAdmin, hasRole, type RoleName, type Viewer } from './auth/viewer';
import { ForbiddenError, UnauthenticatedError } from './errors';

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

/** The parent object belongs to the viewer (by `idField`), or the viewer is an ADMIN. */
export function isSelfOrAdmin(idField = 'id') {
  return rule(`isSelfOrAdmin:${idField}`, { cache: 'strict' })((parent: Record<string, unknown>, _args, ctx: WithViewer) => {
    if (!ctx.viewer) return new UnauthenticatedError();
    return isAdmin(ctx.viewer) || parent[idField] === ctx.viewer.userId ? true : new ForbiddenError();
  });
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
  return applyMiddleware(schema, permissions);
}
