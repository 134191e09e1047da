import { randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { BadUserInputError, ConflictError, NotFoundError } from '#platform/infra/errors';
import { isUuid } from '#platform/infra/schema/ids';
import { append, AuditAction } from '../audit/audit.service';
import { sha256Hex } from '../auth/tokens';
import { PartnerClientEntity } from './partner-client.entity';
import type { PartnerTier } from './partner.type';

export const PARTNER_KEY_PREFIX = 'hmp_live_';
/** Most partner clients listed; there are a handful in practice. */
export const MAX_PARTNER_CLIENTS_LISTED = 500;
const SHA256_HEX = /^[0-9a-f]{64}$/;

export function isKeyHash(value: string | null): value is string {
  return !!value && SHA256_HEX.test(value);
}

/** Creates a client and its key: prefix + 256 random bits. The key is returned once, never stored. */
export async function createPartnerClient(db: DataSource, actorId: string, name: string, tier: PartnerTier) {
  const trimmed = name.trim();
  if (trimmed.length < 2 || trimmed.length > 100)
    throw new BadUserInputError('name must be 2 to 100 characters', 'name');
  const apiKey = PARTNER_KEY_PREFIX + randomBytes(32).toString('base64url');
  const client = await db.transaction(async (manager) => {
    const repo = manager.getRepository(PartnerClientEntity);
    const saved = await repo.save(
      repo.create({ name: trimmed, tier, keyHash: sha256Hex(apiKey), createdBy: actorId, revokedAt: null }),
    );
    await append(manager, {
      action: AuditAction.PARTNER_CLIENT_CREATED,
      actorId,
      subjectId: saved.id,
      details: { name: saved.name, tier },
    });
    return saved;
  });
  return { client, apiKey };
}

export async function revokePartnerClient(db: DataSource, actorId: string, id: string): Promise<PartnerClientEntity> {
  if (!isUuid(id)) throw new NotFoundError('No such partner client');
  return db.transaction(async (manager) => {
    const repo = manager.getRepository(PartnerClientEntity);
    const client = await repo.findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
    if (!client) throw new NotFoundError('No such partner client');
    if (client.revokedAt) throw new ConflictError('This partner client is already revoked');
    client.revokedAt = new Date();
    await repo.update({ id }, { revokedAt: client.revokedAt });
    await append(manager, { action: AuditAction.PARTNER_CLIENT_REVOKED, actorId, subjectId: id });
    return client;
  });
}

export function listPartnerClients(db: DataSource): Promise<PartnerClientEntity[]> {
  return db
    .getRepository(PartnerClientEntity)
    .find({ order: { createdAt: 'DESC', id: 'DESC' }, take: MAX_PARTNER_CLIENTS_LISTED });
}

/** For the gateway: the live client holding the key with this sha256, or null. */
export async function resolvePartnerByKeyHash(db: DataSource, keyHash: string) {
  const row = await db.getRepository(PartnerClientEntity).findOneBy({ keyHash });
  if (!row || row.revokedAt) return null;
  return { id: row.id, name: row.name, tier: row.tier };
}
