import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { loadConfig } from '#platform/infra/config';
import {
  checkSourceCredentials,
  serviceCredential,
} from '../subgraphs/external-sources/modules/connector/source-runtime';
import { loadVault, Vault, VaultError } from '../subgraphs/external-sources/modules/credential/vault';

const key = () => randomBytes(32);

describe('the credential vault (AES-256-GCM)', () => {
  const k1 = key();
  const vault = new Vault(new Map([['k1', k1]]), 'k1');

  it('round-trips a secret and never stores it in the clear', () => {
    const sealed = vault.seal('hsn-secret-token-123', 'row-a');
    expect(sealed.keyId).toBe('k1');
    expect(sealed.nonce).toHaveLength(12);
    expect(sealed.authTag).toHaveLength(16);
    expect(sealed.ciphertext.toString('utf8')).not.toContain('hsn-secret');
    expect(vault.open(sealed, 'row-a')).toBe('hsn-secret-token-123');
    // a fresh nonce each time: the same secret never seals to the same bytes
    expect(vault.seal('hsn-secret-token-123', 'row-a').ciphertext.equals(sealed.ciphertext)).toBe(false);
  });

  it('fails with a wrong key', () => {
    const sealed = vault.seal('secret', 'row-a');
    const other = new Vault(new Map([['k1', key()]]), 'k1');
    expect(() => other.open(sealed, 'row-a')).toThrow(VaultError);
  });

  it('fails on tampered ciphertext, tag or nonce', () => {
    const sealed = vault.seal('secret', 'row-a');
    const flip = (b: Buffer) => {
      const c = Buffer.from(b);
      c[0] ^= 0x01;
      return c;
    };
    expect(() => vault.open({ ...sealed, ciphertext: flip(sealed.ciphertext) }, 'row-a')).toThrow(VaultError);
    expect(() => vault.open({ ...sealed, authTag: flip(sealed.authTag) }, 'row-a')).toThrow(VaultError);
    expect(() => vault.open({ ...sealed, nonce: flip(sealed.nonce) }, 'row-a')).toThrow(VaultError);
  });

  it('fails when a ciphertext is moved to another row (associated data)', () => {
    const sealed = vault.seal('secret', 'user-1:source-1');
    expect(() => vault.open(sealed, 'user-2:source-1')).toThrow(VaultError);
  });

  it('rotates: old secrets open under their kid, new ones seal under the active kid', () => {
    const sealedOld = vault.seal('old secret', 'row');
    const rotated = new Vault(
      new Map([
        ['k1', k1],
        ['k2', key()],
      ]),
      'k2',
    );
    expect(rotated.open(sealedOld, 'row')).toBe('old secret');
    expect(rotated.isStale(sealedOld)).toBe(true);
    const sealedNew = rotated.seal('new secret', 'row');
    expect(sealedNew.keyId).toBe('k2');
    expect(rotated.isStale(sealedNew)).toBe(false);
    expect(() => vault.open(sealedNew, 'row')).toThrow(/no vault key "k2"/);
  });

  it('loads keys from configuration, refuses bad ones and the dev key in production', () => {
    const good = JSON.stringify({ a: key().toString('base64'), b: key().toString('base64') });
    expect(
      loadVault({ VAULT_KEYS: good, VAULT_ACTIVE_KID: 'b', DATA_DIR: 'memory://', isProduction: true }).activeKeyId,
    ).toBe('b');
    expect(() => loadVault({ VAULT_KEYS: good, DATA_DIR: 'memory://', isProduction: false })).toThrow(
      /VAULT_ACTIVE_KID/,
    );
    expect(() =>
      loadVault({ VAULT_KEYS: good, VAULT_ACTIVE_KID: 'c', DATA_DIR: 'memory://', isProduction: false }),
    ).toThrow(/not among/);
    expect(() =>
      loadVault({
        VAULT_KEYS: JSON.stringify({ a: randomBytes(16).toString('base64') }),
        DATA_DIR: 'memory://',
        isProduction: false,
      }),
    ).toThrow(/32 bytes/);
    expect(() => loadVault({ VAULT_KEYS: 'not json', DATA_DIR: 'memory://', isProduction: false })).toThrow(VaultError);
    expect(() => loadVault({ DATA_DIR: 'memory://', isProduction: true })).toThrow(/required in production/);
  });

  it('keeps a generated development key in DATA_DIR across restarts', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'vault-'));
    try {
      const first = loadVault({ DATA_DIR: dir, isProduction: false });
      const sealed = first.seal('kept', 'row');
      const second = loadVault({ DATA_DIR: dir, isProduction: false });
      expect(second.activeKeyId).toBe(first.activeKeyId);
      expect(second.open(sealed, 'row')).toBe('kept');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('external-sources configuration', () => {
  it('refuses simulators in production, and the demo source credentials when external-sources starts', () => {
    const base = {
      NODE_ENV: 'production',
      DATABASE_URL: 'postgres://db/x',
      GATEWAY_SECRET: 'x'.repeat(40),
      INTERNAL_SECRET: 'z'.repeat(40),
      PSEUDONYM_SECRET: 'y'.repeat(40),
    };
    expect(() => loadConfig({ ...base, SIMULATORS_ENABLED: 'true' })).toThrow(/SIMULATORS_ENABLED/);
    const production = loadConfig(base);
    expect(production.simulatorsEnabled).toBe(false);
    expect(production.crawlIntervalSeconds).toBe(900);
    expect(() => checkSourceCredentials(production)).toThrow(/SOURCE_CREDENTIALS is required in production/);
    expect(() =>
      checkSourceCredentials({ ...production, SOURCE_CREDENTIALS: '{"hemp-suppliers-network": 42}' }),
    ).toThrow(/credential string/);
    expect(() => checkSourceCredentials({ ...production, SOURCE_CREDENTIALS: 'nope' })).toThrow(/must be JSON/);
    const configured = { ...production, SOURCE_CREDENTIALS: '{"hemp-suppliers-network": "partner-issued"}' };
    expect(() => checkSourceCredentials(configured)).not.toThrow();
    expect(serviceCredential(configured, 'hemp-suppliers-network')).toBe('partner-issued');
    expect(serviceCredential(configured, 'sa-cannabis-exchange')).toBeUndefined();
    expect(serviceCredential(loadConfig({}), 'sa-cannabis-exchange')).toBe('sacx-demo-4b9e55d0');
  });

  it('runs out of the box elsewhere: simulators on, scheduled crawls off under test', () => {
    const dev = loadConfig({});
    expect(dev.simulatorsEnabled).toBe(true);
    expect(dev.sourceUrls['hemp-suppliers-network']).toBe('http://localhost:4101');
    expect(loadConfig({ NODE_ENV: 'test' }).crawlIntervalSeconds).toBe(0);
    expect(loadConfig({ NODE_ENV: 'test', CRAWL_INTERVAL_SECONDS: '60' }).crawlIntervalSeconds).toBe(60);
  });
});
