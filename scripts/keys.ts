import { randomBytes } from 'node:crypto';
import { generatePrivateJwk } from '../platform/auth/keys';

/** `npm run keys`: fresh production secrets, printed as .env lines. Nothing is written anywhere. */
async function main() {
  const jwk = await generatePrivateJwk();
  const vaultKid = `vault-${new Date().toISOString().slice(0, 10)}`;
  process.stdout.write(
    [
      `JWT_PRIVATE_KEYS='${JSON.stringify([jwk])}'`,
      `GATEWAY_SECRET=${randomBytes(32).toString('base64url')}`,
      `INTERNAL_SECRET=${randomBytes(32).toString('base64url')}`,
      `PSEUDONYM_SECRET=${randomBytes(32).toString('base64url')}`,
      `VAULT_KEYS='${JSON.stringify({ [vaultKid]: randomBytes(32).toString('base64') })}'`,
      `VAULT_ACTIVE_KID=${vaultKid}`,
    ].join('\n') + '\n',
  );
}

void main();
