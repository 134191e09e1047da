import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, importJWK, type JWK, type KeyLike } from 'jose';

export const JWT_ALG = 'EdDSA';

export interface SigningKeys {
  /** The key that signs new tokens (the first configured). */
  active: { kid: string; key: KeyLike };
  /** Public halves of every key, newest first: the JWKS document. */
  jwks: { keys: JWK[] };
}

function publicHalf(jwk: JWK): JWK {
  const { d: _d, ...pub } = jwk;
  return { ...pub, alg: JWT_ALG, use: 'sig' };
}

export async function generatePrivateJwk(): Promise<JWK> {
  const { privateKey } = await generateKeyPair(JWT_ALG, { crv: 'Ed25519', extractable: true });
  const jwk = await exportJWK(privateKey);
  return { ...jwk, kid: randomUUID(), alg: JWT_ALG };
}

/**
 * Keys from JWT_PRIVATE_KEYS (a JSON array of private JWKs, first one signs; older ones stay for
 * rotation). Without it, a key is generated once and kept in the data directory, so tokens survive
 * restarts of the local stack.
 */
export async function loadSigningKeys(configured: string | undefined, dataDir: string): Promise<SigningKeys> {
  let jwks: JWK[];
  if (configured) {
    jwks = JSON.parse(configured) as JWK[];
    if (!Array.isArray(jwks) || jwks.length === 0)
      throw new Error('JWT_PRIVATE_KEYS must be a non-empty JSON array of JWKs');
  } else {
    const file = path.resolve(dataDir, 'jwt-keys.json');
    if (existsSync(file)) {
      jwks = JSON.parse(readFileSync(file, 'utf8')) as JWK[];
    } else {
      jwks = [await generatePrivateJwk()];
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, JSON.stringify(jwks), { mode: 0o600 });
    }
  }
  for (const jwk of jwks) {
    if (!jwk.kid || !jwk.d) throw new Error('every signing key needs a kid and its private part');
  }
  const first = jwks[0];
  const key = (await importJWK({ ...first, alg: JWT_ALG }, JWT_ALG)) as KeyLike;
  return { active: { kid: first.kid as string, key }, jwks: { keys: jwks.map(publicHalf) } };
}
