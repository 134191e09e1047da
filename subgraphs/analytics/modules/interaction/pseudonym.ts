import { createHmac } from 'node:crypto';

/** The analytics pseudonym of a user: HMAC-SHA256 under a configured secret, hex. */
export function pseudonymise(secret: string, userId: string): string {
  return createHmac('sha256', secret).update(userId).digest('hex');
}
