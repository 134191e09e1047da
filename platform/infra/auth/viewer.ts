import {
  createLocalJWKSet,
  createRemoteJWKSet,
  errors as joseErrors,
  jwtVerify,
  SignJWT,
  type JWK,
  type JWTPayload,
  type JWTVerifyGetKey,
} from 'jose';
import { randomUUID } from 'node:crypto';
import { GraphQLError } from 'graphql';
import { HeaderMap } from '@apollo/server';
import { UnauthenticatedError, withHttpStatus } from '#platform/infra/errors';
import { JWT_ALG, type SigningKeys } from '#platform/infra/auth/keys';
import type { RevocationView } from '#platform/infra/auth/revocation';

export const ROLES = ['BUYER', 'SELLER', 'ADMIN'] as const;
export type RoleName = (typeof ROLES)[number];

/** Who is asking. Anonymous callers have no viewer. */
export interface Viewer {
  kind: 'user';
  userId: string;
  roles: RoleName[];
  tokenId: string;
  /** The session (refresh-token family) the token belongs to; absent on tokens made before sessions were. */
  sessionId?: string;
}

/**
 * Why a presented token was refused, for clients to act on: TOKEN_EXPIRED → refresh and retry;
 * TOKEN_INVALID or TOKEN_REVOKED → sign in again.
 */
export type TokenRefusalReason = 'TOKEN_EXPIRED' | 'TOKEN_INVALID' | 'TOKEN_REVOKED';

const REFUSAL_MESSAGES: Record<TokenRefusalReason, string> = {
  TOKEN_EXPIRED: 'The access token has expired; refresh it and try again',
  TOKEN_INVALID: 'The access token is not valid; sign in again',
  TOKEN_REVOKED: 'The access token was revoked (signed out, roles changed or account closed); sign in again',
};

/** RFC 6750: a refused bearer token is answered 401 with `WWW-Authenticate: Bearer error="invalid_token"`. */
export function bearerChallenge(reason: TokenRefusalReason): string {
  return `Bearer error="invalid_token", error_description="${REFUSAL_MESSAGES[reason].split(';')[0]}"`;
}

/** The refusal of a presented token: UNAUTHENTICATED with its reason, HTTP 401 and the bearer challenge. */
export function tokenRefusal(reason: TokenRefusalReason): UnauthenticatedError {
  const error = new UnauthenticatedError(REFUSAL_MESSAGES[reason]);
  (error.extensions as Record<string, unknown>).reason = reason;
  (error.extensions as Record<string, unknown>).http = {
    status: 401,
    headers: new HeaderMap([['www-authenticate', bearerChallenge(reason)]]),
  };
  return error;
}

export function refusalReasonOf(err: unknown): TokenRefusalReason | null {
  const reason = (err as GraphQLError)?.extensions?.reason;
  return reason === 'TOKEN_EXPIRED' || reason === 'TOKEN_INVALID' || reason === 'TOKEN_REVOKED' ? reason : null;
}

/** The revocation view could not be read for longer than its bound: signed-in requests wait (fail closed). */
export function revocationUnavailable(service: string): GraphQLError {
  return withHttpStatus(
    new GraphQLError('Sign-in cannot be checked right now; try again shortly', {
      extensions: { code: 'INTERNAL_SERVER_ERROR', serviceName: service },
    }),
    503,
  );
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

/**
 * The signed-in user a resolver acts for: the one way every subgraph checks it. The shield rules
 * already let only signed-in callers through; this narrows the type and, should a rule be missing,
 * refuses with UNAUTHENTICATED instead of failing on a null.
 */
export function requireViewer(ctx: { viewer: Viewer | null }): Viewer {
  if (!ctx.viewer) throw new UnauthenticatedError();
  return ctx.viewer;
}

export interface TokenVerifierOptions {
  issuer: string;
  audience: string;
  /** Remote JWKS (every service but the issuer) or the issuer's own public keys. */
  jwksUrl?: string;
  localJwks?: { keys: JWK[] };
  /** The service's revocation view; every verified token is checked against it. */
  revocations?: RevocationView;
  /** Named in the error when the view is too stale to trust. */
  service?: string;
}

export type TokenVerifier = (authorization: string | undefined) => Promise<Viewer | null>;

/** Verified tokens remembered at most this long and this many (a signature check costs more than the rest of a small request). */
const VERIFIED_TTL_MS = 60_000;
const VERIFIED_MAX = 10_000;

/**
 * Verifies `Authorization: Bearer <jwt>` against the published keys (several by `kid`, refetched on
 * an unknown one). No header → anonymous; a header that does not verify → UNAUTHENTICATED, so a
 * client with an expired token learns it instead of silently seeing the public view.
 *
 * A token whose signature verified is remembered for up to a minute (never past its `exp`), so a
 * client's next requests, and the gateway's calls to several subgraphs, skip the Ed25519 check. The
 * revocation check still runs on every use. A key dropped from the JWKS stops verifying new tokens
 * at once and remembered ones within the minute.
 */
export function createTokenVerifier(options: TokenVerifierOptions): TokenVerifier {
  const verified = new Map<string, { payload: JWTPayload; until: number }>();
  const remember = (token: string, payload: JWTPayload) => {
    if (verified.size >= VERIFIED_MAX) verified.delete(verified.keys().next().value as string);
    const exp = typeof payload.exp === 'number' ? payload.exp * 1000 : 0;
    verified.set(token, { payload, until: Math.min(Date.now() + VERIFIED_TTL_MS, exp) });
  };
  let keySet: JWTVerifyGetKey;
  if (options.localJwks) keySet = createLocalJWKSet(options.localJwks);
  else if (options.jwksUrl)
    keySet = createRemoteJWKSet(new URL(options.jwksUrl), { cooldownDuration: 30_000, cacheMaxAge: 600_000 });
  else throw new Error('a token verifier needs a JWKS');

  return async (authorization) => {
    if (!authorization) return null;
    const match = /^Bearer\s+([A-Za-z0-9._~+/=-]+)$/i.exec(authorization.trim());
    if (!match) {
      const error = tokenRefusal('TOKEN_INVALID');
      error.message = 'Malformed Authorization header: expected "Bearer <token>"';
      throw error;
    }
    let payload: JWTPayload;
    const known = verified.get(match[1]);
    if (known && Date.now() < known.until) payload = known.payload;
    else {
      if (known) verified.delete(match[1]);
      try {
        ({ payload } = await jwtVerify(match[1], keySet, {
          issuer: options.issuer,
          audience: options.audience,
          algorithms: [JWT_ALG],
        }));
      } catch (err) {
        throw tokenRefusal(err instanceof joseErrors.JWTExpired ? 'TOKEN_EXPIRED' : 'TOKEN_INVALID');
      }
      remember(match[1], payload);
    }
    const roles = Array.isArray(payload.roles)
      ? (payload.roles as unknown[]).filter((r): r is RoleName => ROLES.includes(r as RoleName))
      : [];
    if (typeof payload.sub !== 'string' || typeof payload.jti !== 'string') throw tokenRefusal('TOKEN_INVALID');
    const sid = typeof payload.sid === 'string' ? payload.sid : undefined;
    if (options.revocations) {
      const verdict = options.revocations.check({
        sub: payload.sub,
        sid,
        ver: typeof payload.ver === 'number' ? payload.ver : undefined,
        iat: payload.iat,
      });
      if (verdict === 'STALE') throw revocationUnavailable(options.service ?? 'this');
      if (verdict) throw tokenRefusal(verdict);
    }
    return { kind: 'user', userId: payload.sub, roles, tokenId: payload.jti, ...(sid ? { sessionId: sid } : {}) };
  };
}

export interface IssuedToken {
  token: string;
  expiresAt: Date;
  jti: string;
}

export async function signAccessToken(
  keys: SigningKeys,
  claims: { userId: string; roles: RoleName[]; sessionId?: string; version?: number },
  options: { issuer: string; audience: string; ttlSeconds?: number },
): Promise<IssuedToken> {
  const ttl = options.ttlSeconds ?? 15 * 60;
  const jti = randomUUID();
  const expiresAt = new Date(Date.now() + ttl * 1000);
  // sid: the session (refresh family) a logout or a stolen refresh token ends; ver: the user's token
  // version, raised by a role change or an erasure. Revocation views refuse by either (docs/revocation.md).
  const extra: Record<string, unknown> = {};
  if (claims.sessionId) extra.sid = claims.sessionId;
  if (claims.version !== undefined) extra.ver = claims.version;
  const token = await new SignJWT({ roles: claims.roles, ...extra })
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
