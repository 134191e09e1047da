import { allow, isAdminRule, isSelfOrAdmin } from '../../platform/shield';

/** Every field of this subgraph and who may see it. Anything not listed is denied. */
export const identityPermissions = {
  Query: {
    me: allow,
    user: isAdminRule,
    users: isAdminRule,
  },
  User: {
    id: allow,
    displayName: allow,
    roles: allow,
    province: allow,
    createdAt: allow,
    email: isSelfOrAdmin('id'),
  },
  UserConnection: allow,
  UserEdge: allow,
  PageInfo: allow,
};
