import type { DataSource as Db } from 'typeorm';
import type { Logger } from '#platform/infra/observability/logger';
import { DataSourceCredentialEntity } from './credential.entity';
import { VaultError, type Vault } from './vault';

const associatedData = (userId: string, dataSourceId: string) => `data-source-credential:${userId}:${dataSourceId}`;

/**
 * Users' credentials for sources: sealed before they reach the database, opened only to call the
 * source, never returned and never logged. One row per user per source, keyed by user first, so
 * erasing a user is `deleteAllForUser`.
 */
export class CredentialService {
  constructor(
    private readonly db: Db,
    private readonly vault: Vault,
    private readonly log: Logger,
  ) {}

  async store(userId: string, dataSourceId: string, credential: string): Promise<void> {
    const sealed = this.vault.seal(credential, associatedData(userId, dataSourceId));
    await this.db.query(
      `INSERT INTO external.data_source_credentials (user_id, data_source_id, key_id, nonce, ciphertext, auth_tag)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (user_id, data_source_id) DO UPDATE SET key_id = EXCLUDED.key_id, nonce = EXCLUDED.nonce,
         ciphertext = EXCLUDED.ciphertext, auth_tag = EXCLUDED.auth_tag, updated_at = now()`,
      [userId, dataSourceId, sealed.keyId, sealed.nonce, sealed.ciphertext, sealed.authTag],
    );
  }

  /** The plaintext, or null when none is stored. Throws VaultError when it cannot be authenticated. */
  async open(userId: string, dataSourceId: string): Promise<string | null> {
    const row = await this.db.getRepository(DataSourceCredentialEntity).findOneBy({ userId, dataSourceId });
    if (!row) return null;
    const plaintext = this.vault.open(row, associatedData(userId, dataSourceId));
    if (this.vault.isStale(row)) {
      // Sealed under a retired key: move it to the active one now that we hold the plaintext.
      await this.store(userId, dataSourceId, plaintext).catch((err) =>
        this.log.warn({ err: (err as Error).message, dataSourceId }, 'could not re-seal a credential'),
      );
    }
    return plaintext;
  }

  async delete(userId: string, dataSourceId: string): Promise<boolean> {
    const result = await this.db.getRepository(DataSourceCredentialEntity).delete({ userId, dataSourceId });
    return (result.affected ?? 0) > 0;
  }

  /** For data-subject erasure: every credential the user stored. */
  async deleteAllForUser(userId: string): Promise<number> {
    const result = await this.db.getRepository(DataSourceCredentialEntity).delete({ userId });
    return result.affected ?? 0;
  }
}

export { VaultError };
