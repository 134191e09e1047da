import { createHmac } from 'node:crypto';
import { BadUserInputError } from '#platform/infra/errors';

export const VARIANTS = ['control', 'treatment'] as const;
export type Variant = (typeof VARIANTS)[number];
const EXPERIMENT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/**
 * Deterministic bucketing: an HMAC of (experiment, user) under the configured secret, so the same
 * user always gets the same variant of one experiment — across calls, restarts and replicas — while
 * different experiments split users independently. The first 32 bits decide, so the split is even.
 */
export function experimentVariant(secret: string, userId: string, experiment: string): Variant {
  if (!EXPERIMENT_NAME.test(experiment)) {
    throw new BadUserInputError('experiment must be 1–64 letters, digits, dots, dashes or underscores', 'experiment');
  }
  const mac = createHmac('sha256', secret).update(`experiment\n${experiment}\n${userId}`).digest();
  return VARIANTS[mac.readUInt32BE(0) % VARIANTS.length];
}
