import { createHash, randomBytes } from 'node:crypto';

const REFRESH_PREFIX = 'hmr_';
const REFRESH_FORMAT = /^hmr_[A-Za-z0-9_-]{43}$/;

export function sha256Hex(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

/** 256 random bits; only the sha256 is stored, so a database leak yields no usable token. */
export function newRefreshToken(): { token: string; hash: string } {
  const token = REFRESH_PREFIX + randomBytes(32).toString('base64url');
  return { token, hash: sha256Hex(token) };
}

export function isRefreshTokenFormat(token: string): boolean {
  return REFRESH_FORMAT.test(token);
}
