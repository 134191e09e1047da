/**
 * The user an AuthPayload was just issued to. register and login run anonymously, yet the caller
 * is by then proven to be this user: the payload's user may show its own private fields.
 */
const issuedTo = new WeakSet<object>();

export function markAuthenticated<T extends object>(user: T): T {
  issuedTo.add(user);
  return user;
}

export function isJustAuthenticated(user: unknown): boolean {
  return typeof user === 'object' && user !== null && issuedTo.has(user);
}
