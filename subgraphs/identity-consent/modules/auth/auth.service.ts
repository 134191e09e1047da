import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import type { SubgraphDeps, ClientInfo } from '#platform/infra/service/subgraph';
import { signAccessToken, type RoleName } from '#platform/infra/auth/viewer';
import { ConflictError, UnauthenticatedError } from '#platform/infra/errors';
import { append, appendAlone, AuditAction } from '../audit/audit.service';
import { UserEntity } from '../user/user.entity';
import { markAuthenticated } from '../user/user.visibility';
import { signingKeys } from './keys';
import { hashPassword, verifyPassword } from './password';
import { isRefreshTokenFormat, newRefreshToken, sha256Hex } from './tokens';
import { RefreshTokenEntity } from './refresh-token.entity';
import { announceRevocations, recordRevocations } from './revocation.service';
import type { RevocationEntry } from '#platform/infra/auth/revocation';
import { normaliseEmail, PASSWORD_MAX, validateRegistration } from './auth.validation';
import type { RegisterInput } from './auth.input';
import type { AuthPayload } from './auth.type';

const WRONG_CREDENTIALS = 'Wrong email or password';
const BAD_REFRESH = 'Invalid or expired refresh token';

/**
 * A hash of a random password, verified against when the email is unknown, so a login for a
 * missing account costs the same scrypt work as one for a real account.
 */
let dummyHash: Promise<string> | null = null;
function dummyPasswordHash(): Promise<string> {
  dummyHash ??= hashPassword(randomUUID());
  return dummyHash;
}

function isUniqueViolation(err: unknown): boolean {
  return (
    (err as { code?: string; driverError?: { code?: string } })?.driverError?.code === '23505' ||
    (err as { code?: string })?.code === '23505'
  );
}

function clientDetails(client: ClientInfo) {
  return { ip: client.ip };
}

export class AuthService {
  constructor(private readonly deps: SubgraphDeps) {}

  private get db() {
    return this.deps.db.dataSource;
  }

  /** Access token plus a new refresh token in `familyId` (a new family for a fresh login). */
  private async issue(manager: EntityManager, user: UserEntity, familyId: string): Promise<AuthPayload> {
    const { config } = this.deps;
    const access = await signAccessToken(
      await signingKeys(this.deps),
      // sid = the refresh family: logout or a replayed refresh token ends exactly this session.
      { userId: user.id, roles: user.roles as RoleName[], sessionId: familyId, version: user.tokenVersion },
      { issuer: config.JWT_ISSUER, audience: config.JWT_AUDIENCE, ttlSeconds: config.ACCESS_TOKEN_TTL_SECONDS },
    );
    const refresh = newRefreshToken();
    await manager.getRepository(RefreshTokenEntity).insert({
      userId: user.id,
      familyId,
      tokenHash: refresh.hash,
      expiresAt: new Date(Date.now() + config.REFRESH_TOKEN_TTL_DAYS * 86_400_000),
    });
    return {
      accessToken: access.token,
      refreshToken: refresh.token,
      expiresAt: access.expiresAt,
      user: markAuthenticated(user),
    };
  }

  async register(input: RegisterInput, client: ClientInfo): Promise<AuthPayload> {
    const valid = validateRegistration(input);
    const passwordHash = await hashPassword(valid.password);
    try {
      return await this.db.transaction(async (manager) => {
        const repo = manager.getRepository(UserEntity);
        if (await repo.exists({ where: { email: valid.email } }))
          throw new ConflictError('An account with this email already exists');
        const user = await repo.save(
          repo.create({
            email: valid.email,
            displayName: valid.displayName,
            roles: valid.roles,
            province: valid.province ?? null,
            passwordHash,
          }),
        );
        await append(manager, {
          action: AuditAction.USER_REGISTERED,
          actorId: user.id,
          subjectId: user.id,
          details: { roles: user.roles, ...clientDetails(client) },
        });
        return this.issue(manager, user, randomUUID());
      });
    } catch (err) {
      // Two registrations racing for one email: the unique index decides.
      if (isUniqueViolation(err)) throw new ConflictError('An account with this email already exists');
      throw err;
    }
  }

  async login(email: string, password: string, client: ClientInfo): Promise<AuthPayload> {
    const normalised = normaliseEmail(email);
    const user =
      normalised.length <= 254 ? await this.db.getRepository(UserEntity).findOneBy({ email: normalised }) : null;
    const candidate = password.length <= PASSWORD_MAX ? password : '';
    const matches = await verifyPassword(candidate, user?.passwordHash ?? (await dummyPasswordHash()));
    const usable =
      !!user && matches && candidate.length > 0 && !user.disabledAt && !user.erasedAt && !user.erasureRequestedAt;
    if (!usable) {
      const reason = !user ? 'unknown_email' : !matches ? 'wrong_password' : 'account_unavailable';
      await appendAlone(this.db, {
        action: AuditAction.LOGIN_FAILED,
        subjectId: user?.id ?? null,
        details: { reason, ...clientDetails(client) },
      });
      throw new UnauthenticatedError(WRONG_CREDENTIALS);
    }
    return this.db.transaction(async (manager) => {
      await append(manager, {
        action: AuditAction.LOGIN_SUCCEEDED,
        actorId: user.id,
        subjectId: user.id,
        details: clientDetails(client),
      });
      return this.issue(manager, user, randomUUID());
    });
  }

  /**
   * Rotates a refresh token. A token already rotated is being replayed: either the client or a
   * thief holds an old copy, so the whole family is revoked and the event audited.
   */
  async refresh(token: string, client: ClientInfo): Promise<AuthPayload> {
    if (!isRefreshTokenFormat(token)) throw new UnauthenticatedError(BAD_REFRESH);
    const outcome = await this.db.transaction(async (manager) => {
      const tokens = manager.getRepository(RefreshTokenEntity);
      const row = await tokens.findOne({ where: { tokenHash: sha256Hex(token) }, lock: { mode: 'pessimistic_write' } });
      if (!row || row.revokedAt || row.expiresAt.getTime() <= Date.now())
        return { refused: true as const, revoked: [] as RevocationEntry[] };
      if (row.rotatedAt) {
        const revoked = await this.revokeFamily(manager, row.userId, row.familyId, 'refresh_reuse');
        await append(manager, {
          action: AuditAction.REFRESH_TOKEN_REUSED,
          subjectId: row.userId,
          details: { familyId: row.familyId, ...clientDetails(client) },
        });
        return { refused: true as const, revoked };
      }
      const user = await manager.getRepository(UserEntity).findOneBy({ id: row.userId });
      if (!user || user.disabledAt || user.erasedAt || user.erasureRequestedAt) {
        const revoked = await this.revokeFamily(manager, row.userId, row.familyId, 'account_unavailable');
        return { refused: true as const, revoked };
      }
      await tokens.update({ id: row.id }, { rotatedAt: new Date() });
      return { refused: false as const, payload: await this.issue(manager, user, row.familyId) };
    });
    // The revocation above must commit, so the refusal is thrown only after the transaction; the
    // session's access tokens end everywhere as it is announced.
    if (outcome.refused) {
      await announceRevocations(this.deps, outcome.revoked);
      throw new UnauthenticatedError(BAD_REFRESH);
    }
    return outcome.payload;
  }

  /** Ends the session the token belongs to: every token of its family stops working. */
  async logout(token: string, client: ClientInfo): Promise<boolean> {
    if (!isRefreshTokenFormat(token)) throw new UnauthenticatedError(BAD_REFRESH);
    const revoked = await this.db.transaction(async (manager) => {
      const row = await manager
        .getRepository(RefreshTokenEntity)
        .findOne({ where: { tokenHash: sha256Hex(token) }, lock: { mode: 'pessimistic_write' } });
      // A rotated member still names the session: logging out with it ends the session too.
      if (!row || row.revokedAt) return null;
      const entries = await this.revokeFamily(manager, row.userId, row.familyId, 'logout');
      await append(manager, {
        action: AuditAction.LOGOUT,
        actorId: row.userId,
        subjectId: row.userId,
        details: { familyId: row.familyId, ...clientDetails(client) },
      });
      return entries;
    });
    if (!revoked) throw new UnauthenticatedError(BAD_REFRESH);
    // The session's access tokens end too: on this service at once, everywhere within the bound.
    await announceRevocations(this.deps, revoked);
    return true;
  }

  /** Ends a session: its refresh tokens, and (through the revocation log) its access tokens. */
  private async revokeFamily(
    manager: EntityManager,
    userId: string,
    familyId: string,
    reason: string,
  ): Promise<RevocationEntry[]> {
    await manager.query(
      'UPDATE identity.refresh_tokens SET revoked_at = now() WHERE family_id = $1 AND revoked_at IS NULL',
      [familyId],
    );
    return recordRevocations(manager, [{ kind: 'session', userId, sessionId: familyId, reason }]);
  }
}
