import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import type { SubgraphDeps, ClientInfo } from '../../../../platform/subgraph';
import { signAccessToken, type RoleName } from '../../../../platform/auth/viewer';
import { ConflictError, UnauthenticatedError } from '../../../../platform/errors';
import { append, appendAlone, AuditAction } from '../audit/audit.service';
import { UserEntity } from '../user/user.entity';
import { markAuthenticated } from '../user/user.visibility';
import { signingKeys } from './keys';
import { hashPassword, verifyPassword } from './password';
import { isRefreshTokenFormat, newRefreshToken, sha256Hex } from './tokens';
import { RefreshTokenEntity } from './refresh-token.entity';
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
  return (err as { code?: string; driverError?: { code?: string } })?.driverError?.code === '23505' || (err as { code?: string })?.code === '23505';
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
      { userId: user.id, roles: user.roles as RoleName[] },
      { issuer: config.JWT_ISSUER, audience: config.JWT_AUDIENCE, ttlSeconds: config.ACCESS_TOKEN_TTL_SECONDS },
    );
    const refresh = newRefreshToken();
    await manager.getRepository(RefreshTokenEntity).insert({
      userId: user.id,
      familyId,
      tokenHash: refresh.hash,
      expiresAt: new Date(Date.now() + config.REFRESH_TOKEN_TTL_DAYS * 86_400_000),
    });
    return { accessToken: access.token, refreshToken: refresh.token, expiresAt: access.expiresAt, user: markAuthenticated(user) };
  }

  async register(input: RegisterInput, client: ClientInfo): Promise<AuthPayload> {
    const valid = validateRegistration(input);
    const passwordHash = await hashPassword(valid.password);
    try {
      return await this.db.transaction(async (manager) => {
        const repo = manager.getRepository(UserEntity);
        if (await repo.exists({ where: { email: valid.email } })) throw new ConflictError('An account with this email already exists');
        const user = await repo.save(
          repo.create({ email: valid.email, displayName: valid.displayName, roles: valid.roles, province: valid.province ?? null, passwordHash }),
        );
        await append(manager, { action: AuditAction.USER_REGISTERED, actorId: user.id, subjectId: user.id, details: { roles: user.roles, ...clientDetails(client) } });
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
    const user = normalised.length <= 254 ? await this.db.getRepository(UserEntity).findOneBy({ email: normalised }) : null;
    const candidate = password.length <= PASSWORD_MAX ? password : '';
    const matches = await verifyPassword(candidate, user?.passwordHash ?? (await dummyPasswordHash()));
    const usable = !!user && matches && candidate.length > 0 && !user.disabledAt && !user.erasedAt;
    if (!usable) {
      const reason = !user ? 'unknown_email' : !matches ? 'wrong_password' : 'account_unavailable';
      await appendAlone(this.db, { action: AuditAction.LOGIN_FAILED, subjectId: user?.id ?? null, details: { reason, ...clientDetails(client) } });
      throw new UnauthenticatedError(WRONG_CREDENTIALS);
    }
    return this.db.transaction(async (manager) => {
      await append(manager, { action: AuditAction.LOGIN_SUCCEEDED, actorId: user.id, subjectId: user.id, details: clientDetails(client) });
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
      if (!row || row.revokedAt || row.expiresAt.getTime() <= Date.now()) return { refused: true as const };
      if (row.rotatedAt) {
        await this.revokeFamily(manager, row.familyId);
        await append(manager, {
          action: AuditAction.REFRESH_TOKEN_REUSED,
          subjectId: row.userId,
          details: { familyId: row.familyId, ...clientDetails(client) },
        });
        return { refused: true as const };
      }
      const user = await manager.getRepository(UserEntity).findOneBy({ id: row.userId });
      if (!user || user.disabledAt || user.erasedAt) {
        await this.revokeFamily(manager, row.familyId);
        return { refused: true as const };
      }
      await tokens.update({ id: row.id }, { rotatedAt: new Date() });
      return { refused: false as const, payload: await this.issue(manager, user, row.familyId) };
    });
    // The revocation above must commit, so the refusal is thrown only after the transaction.
    if (outcome.refused) throw new UnauthenticatedError(BAD_REFRESH);
    return outcome.payload;
  }

  /** Ends the session the token belongs to: every token of its family stops working. */
  async logout(token: string, client: ClientInfo): Promise<boolean> {
    if (!isRefreshTokenFormat(token)) throw new UnauthenticatedError(BAD_REFRESH);
    const revoked = await this.db.transaction(async (manager) => {
      const row = await manager.getRepository(RefreshTokenEntity).findOne({ where: { tokenHash: sha256Hex(token) }, lock: { mode: 'pessimistic_write' } });
      // A rotated member still names the session: logging out with it ends the session too.
      if (!row || row.revokedAt) return false;
      await this.revokeFamily(manager, row.familyId);
      await append(manager, { action: AuditAction.LOGOUT, actorId: row.userId, subjectId: row.userId, details: { familyId: row.familyId, ...clientDetails(client) } });
      return true;
    });
    if (!revoked) throw new UnauthenticatedError(BAD_REFRESH);
    return true;
  }

  private async revokeFamily(manager: EntityManager, familyId: string): Promise<void> {
    await manager.query('UPDATE identity.refresh_tokens SET revoked_at = now() WHERE family_id = $1 AND revoked_at IS NULL', [familyId]);
  }
}
