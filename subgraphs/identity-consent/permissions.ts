import { allow, isAuthenticated, rule } from '#platform/infra/shield/shield';
import { isAdmin, requireViewer, type Viewer } from '#platform/infra/auth/viewer';
import { ForbiddenError, UnauthenticatedError } from '#platform/infra/errors';
import { Role } from '#platform/infra/schema/shared-types';
import { isJustAuthenticated } from './modules/user/user.visibility';
import type { IdentityLoaders } from './loaders';

interface WithViewer {
  viewer: Viewer | null;
}

interface WithLoaders extends WithViewer {
  loaders: IdentityLoaders;
}

/**
 * ADMIN as the database says now, not only as the token says: privileged fields re-read the
 * caller's roles (one query per request, through the request's user loader). The token must say
 * ADMIN too, so a token minted before a promotion gains nothing until it is refreshed.
 */
async function isAdminNow(ctx: WithLoaders): Promise<boolean> {
  if (!isAdmin(ctx.viewer)) return false;
  const user = await ctx.loaders.userById.load(requireViewer(ctx).userId);
  return !!user && !user.disabledAt && !user.erasedAt && !user.erasureRequestedAt && user.roles.includes(Role.ADMIN);
}

const isAdminRule = rule('identity:adminNow', { cache: 'contextual' })(async (_parent, _args, ctx: WithLoaders) => {
  if (!ctx.viewer) return new UnauthenticatedError();
  return (await isAdminNow(ctx)) ? true : new ForbiddenError('Administrators only');
});

/** The user themself (signed in, or just issued a token by register/login/refresh) or an ADMIN. */
const isUserSelfOrAdmin = rule('identity:userSelfOrAdmin', { cache: 'no_cache' })((
  parent: { id: string },
  _args,
  ctx: WithViewer,
) => {
  if (isJustAuthenticated(parent)) return true;
  if (!ctx.viewer) return new UnauthenticatedError();
  return isAdmin(ctx.viewer) || parent.id === ctx.viewer.userId ? true : new ForbiddenError();
});

/** A consent's owner or an ADMIN, also when the consent is reached through `_entities`. */
const isConsentOwnerOrAdmin = rule('identity:consentOwnerOrAdmin', { cache: 'no_cache' })((
  parent: { userId: string },
  _args,
  ctx: WithViewer,
) => {
  if (!ctx.viewer) return new UnauthenticatedError();
  return isAdmin(ctx.viewer) || parent.userId === ctx.viewer.userId ? true : new ForbiddenError();
});

/** A data-subject request's subject or an ADMIN, also when the request is reached through `_entities`. */
const isRequestSubjectOrAdmin = rule('identity:requestSubjectOrAdmin', { cache: 'no_cache' })((
  parent: { subjectId: string },
  _args,
  ctx: WithViewer,
) => {
  if (!ctx.viewer) return new UnauthenticatedError();
  return isAdmin(ctx.viewer) || parent.subjectId === ctx.viewer.userId ? true : new ForbiddenError();
});

/** requestErasure: without userId (or with one's own) anyone signed in; someone else's only an ADMIN. */
const mayEraseUser = rule('identity:mayEraseUser', { cache: 'no_cache' })(async (
  _parent,
  args: { userId?: string | null },
  ctx: WithLoaders,
) => {
  if (!ctx.viewer) return new UnauthenticatedError();
  if (args.userId == null || args.userId.toLowerCase() === ctx.viewer.userId || (await isAdminNow(ctx))) return true;
  return new ForbiddenError("Only an administrator may erase another user's data");
});

/**
 * Every field of this subgraph and who may see it. Anything not listed is denied. The rate limits
 * on sign-in, registration, refresh and consent (rate-limits.ts) run after these rules pass.
 */
export const identityPermissions = {
  Query: {
    me: allow,
    user: isAdminRule,
    users: isAdminRule,
    myConsents: isAuthenticated,
    auditLog: isAdminRule,
    verifyAuditLog: isAdminRule,
    partnerClients: isAdminRule,
    dataSubjectRequest: isAuthenticated,
    dataSubjectRequests: isAdminRule,
  },
  Mutation: {
    register: allow,
    login: allow,
    refreshToken: allow,
    logout: allow,
    grantConsent: isAuthenticated,
    withdrawConsent: isAuthenticated,
    setUserRoles: isAdminRule,
    createPartnerClient: isAdminRule,
    revokePartnerClient: isAdminRule,
    requestDataExport: isAuthenticated,
    requestErasure: mayEraseUser,
  },
  User: {
    id: allow,
    displayName: allow,
    roles: allow,
    province: allow,
    createdAt: allow,
    email: isUserSelfOrAdmin,
    consents: isUserSelfOrAdmin,
  },
  AuthPayload: allow,
  Consent: isConsentOwnerOrAdmin,
  DataSource: { id: allow },
  AuditEvent: isAdminRule,
  AuditEventConnection: isAdminRule,
  AuditEventEdge: isAdminRule,
  AuditVerification: isAdminRule,
  DataSubjectRequest: isRequestSubjectOrAdmin,
  DataSubjectRequestConnection: isAdminRule,
  DataSubjectRequestEdge: isAdminRule,
  SubgraphErasureReport: isAuthenticated,
  PartnerClient: isAdminRule,
  PartnerClientWithKey: isAdminRule,
  UserConnection: allow,
  UserEdge: allow,
  PageInfo: allow,
};
