import { createCipheriv, createDecipheriv, randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** A sealed secret: which key, the 96-bit nonce, the ciphertext and its GCM tag. */
export interface Sealed {
  keyId: string;
  nonce: Buffer;
  ciphertext: Buffer;
  authTag: Buffer;
}

export class VaultError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'VaultError';
  }
}

const KEY_BYTES = 32;
const NONCE_BYTES = 12;

/**
 * AES-256-GCM with keys by id: new secrets are sealed under the active key, old ones open under
 * the key they name, so keys rotate without re-encrypting everything at once. The associated data
 * binds a ciphertext to its row (user and source): copied to another row, it no longer opens.
 */
export class Vault {
  constructor(
    private readonly keys: ReadonlyMap<string, Buffer>,
    readonly activeKeyId: string,
  ) {
    if (!keys.has(activeKeyId))
      throw new VaultError(`the active vault key "${activeKeyId}" is not among the configured keys`);
    for (const [kid, key] of keys) {
      if (key.length !== KEY_BYTES)
        throw new VaultError(`vault key "${kid}" must be ${KEY_BYTES} bytes, base64-encoded`);
    }
  }

  seal(plaintext: string, associatedData: string): Sealed {
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.keys.get(this.activeKeyId) as Buffer, nonce);
    cipher.setAAD(Buffer.from(associatedData, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return { keyId: this.activeKeyId, nonce, ciphertext, authTag: cipher.getAuthTag() };
  }

  open(sealed: Sealed, associatedData: string): string {
    const key = this.keys.get(sealed.keyId);
    if (!key) throw new VaultError(`no vault key "${sealed.keyId}" is configured`);
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, sealed.nonce);
      decipher.setAAD(Buffer.from(associatedData, 'utf8'));
      decipher.setAuthTag(sealed.authTag);
      return Buffer.concat([decipher.update(sealed.ciphertext), decipher.final()]).toString('utf8');
    } catch {
      throw new VaultError('the stored secret could not be authenticated (wrong key or altered ciphertext)');
    }
  }

  /** Sealed under an older key: re-seal it when next touched. */
  isStale(sealed: Pick<Sealed, 'keyId'>): boolean {
    return sealed.keyId !== this.activeKeyId;
  }
}

export interface VaultConfig {
  VAULT_KEYS?: string;
  VAULT_ACTIVE_KID?: string;
  DATA_DIR: string;
  isProduction: boolean;
}

function parseKeys(json: string): Map<string, Buffer> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw new VaultError('VAULT_KEYS must be JSON: {"kid": "base64 of 32 bytes"}');
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new VaultError('VAULT_KEYS must be a JSON object of kid → base64 key');
  const keys = new Map<string, Buffer>();
  for (const [kid, value] of Object.entries(parsed as Record<string, unknown>)) {
    if (typeof value !== 'string') throw new VaultError(`vault key "${kid}" must be a base64 string`);
    keys.set(kid, Buffer.from(value, 'base64'));
  }
  if (keys.size === 0) throw new VaultError('VAULT_KEYS has no keys');
  return keys;
}

/**
 * Keys from VAULT_KEYS/VAULT_ACTIVE_KID. Without them (development, tests) a key is generated once
 * and kept in DATA_DIR, so stored credentials survive restarts; production refuses that key.
 */
export function loadVault(config: VaultConfig): Vault {
  if (config.VAULT_KEYS) {
    const keys = parseKeys(config.VAULT_KEYS);
    const active = config.VAULT_ACTIVE_KID ?? (keys.size === 1 ? [...keys.keys()][0] : undefined);
    if (!active) throw new VaultError('VAULT_ACTIVE_KID must name the key that encrypts new credentials');
    return new Vault(keys, active);
  }
  if (config.isProduction)
    throw new VaultError('VAULT_KEYS is required in production; the development key is not for real credentials');
  if (config.DATA_DIR === 'memory://') {
    const kid = `dev-${randomUUID()}`;
    return new Vault(new Map([[kid, randomBytes(KEY_BYTES)]]), kid);
  }
  const file = path.resolve(config.DATA_DIR, 'vault-keys.json');
  if (!existsSync(file)) {
    const kid = `dev-${randomUUID()}`;
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(
      file,
      JSON.stringify({ activeKid: kid, keys: { [kid]: randomBytes(KEY_BYTES).toString('base64') } }),
      { mode: 0o600 },
    );
  }
  const stored = JSON.parse(readFileSync(file, 'utf8')) as { activeKid: string; keys: Record<string, string> };
  return new Vault(parseKeys(JSON.stringify(stored.keys)), stored.activeKid);
}
