import { createLocalJWKSet, createRemoteJWKSet, jwtVerify, SignJWT, type JWK, type JWTVerifyGetKey } from 'jose';
import { randomUUID } from 'node:crypto';
import { UnauthenticatedError, withHttpStatus } from '../errors';
import { JWT_ALG, type SigningKeys } from './keys';

export const ROLES = ['BUYER', 'SELLER', 'ADMIN'] as const;
export type RoleName = (typeof ROLES)[number];

/** Who is asking. Anonymous callers have no viewer. */
export interface Viewer {
  kind: 'user';
  userId: string;
  roles: RoleName[];
  tokenId: string;
}

/**
 * A partner client calling through the gateway (which resolved its API key and forwards its id in
 * the signed `x-partner-id`). Partners hold no user role: to the rules they are anonymous callers
 * that are known by id, so they see exactly the public fields.
 */
export interface PartnerViewer {
  kind: 'partner';
  partnerId: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The partner named by a (gateway-signed) `x-partner-id` header, or null. */
export function partnerViewerFrom(header: string | undefined): PartnerViewer | null {
  return header && UUID.test(header) ? { kind: 'partner', partnerId: header.toLowerCase() } : null;
}

export function hasRole(viewer: Viewer | null | undefined, role: RoleName): boolean {
  if (!viewer) return false;
  return viewer.roles.includes(role) || viewer.roles.includes('ADMIN');
}

export function isAdmin(viewer: Viewer | null | undefined): boolean {
  return !!viewer && viewer.roles.includes('ADMIN');
}

export interface TokenVerifierOptions {
  issuer: string;
  audience: string;
  /** Remote JWKS (every service but the issuer) or the issuer's own public keys. */
  jwksUrl?: string;
  localJwks?: { keys: JWK[] };
}

export type TokenVerifier = (authorization: string | undefined) => Promise<Viewer | null>;

/**
 * Verifies `Authorization: Bearer <jwt>` against the published keys (several by `kid`, refetched on
 * an unknown one). No header → anonymous; a header that does not verify → UNAUTHENTICATED, so a
 * client with an expired token learns it instead of silently seeing the public view.
 */
export function createTokenVerifier(options: TokenVerifierOptions): TokenVerifier {
  let keySet: JWTVerifyGetKey;
  if (options.localJwks) keySet = createLocalJWKSet(options.localJwks);
  else if (options.jwksUrl) keySet = createRemoteJWKSet(new URL(options.jwksUrl), { cooldownDuration: 30_000, cacheMaxAge: 600_000 });
  else throw new Error('a token verifier needs a JWKS');

  return async (authorization) => {
    if (!authorization) return null;
    const match = /^Bearer\s+([A-Za-z0-9._~+/=-]+)$/i.exec(authorization.trim());
    if (!match) throw withHttpStatus(new UnauthenticatedError('Malformed Authorization header: expected "Bearer <token>"'), 401);
    try {
      const { payload } = await jwtVerify(match[1], keySet, {
        issuer: options.issuer,
        audience: options.audience,
        algorithms: [JWT_ALG],
      });
      const roles = Array.isArray(payload.roles) ? payload.roles.filter((r): r is RoleName => ROLES.includes(r as RoleName)) : [];
      if (typeof payload.sub !== 'string' || typeof payload.jti !== 'string') throw new Error('token lacks sub or jti');
      return { kind: 'user', userId: payload.sub, roles, tokenId: payload.jti };
    } catch {
      throw withHttpStatus(new UnauthenticatedError('Invalid or expired access token'), 401);
    }
  };
}

export interface IssuedToken {
  token: string;
  expiresAt: Date;
  jti: string;
}

export async function signAccessToken(
  keys: SigningKeys,
  claims: { userId: string; roles: RoleName[] },
  options: { issuer: string; audience: string; ttlSeconds?: number },
): Promise<IssuedToken> {
  const ttl = options.ttlSeconds ?? 15 * 60;
  const jti = randomUUID();
  const expiresAt = new Date(Date.now() + ttl * 1000);
  const token = await new SignJWT({ roles: claims.roles })
    .setProtectedHeader({ alg: JWT_ALG, kid: keys.active.kid, typ: 'JWT' })
    .setSubject(claims.userId)
    .setIssuer(options.issuer)
    .setAudience(options.audience)
    .setIssuedAt()
    .setJti(jti)
    .setExpirationTime(Math.floor(expiresAt.getTime() / 1000))
    .sign(keys.active.key);
  return { token, expiresAt, jti };
}
