import { BadUserInputError } from '#platform/infra/errors';
import { hasVisibleText } from '#platform/infra/http/input-guard';
import type { SocialImpactFlags } from './social-impact';

/** Bounds on what a listing may hold; each refusal names the field. */
export const LIMITS = {
  titleMin: 3,
  titleMax: 120,
  descriptionMax: 5000,
  certificationsMax: 10,
  certificationLengthMax: 60,
  /** Largest quantity (kg) in one listing, order or match request. */
  quantityMaxKg: 1_000_000,
  /** Largest price per kg, ZAR. With `quantityMaxKg` this keeps every total within numeric(16,2). */
  priceMax: 1_000_000,
} as const;

const PRICE = /^\d{1,7}(\.\d{1,2})?$/;

/** A price per kg as the exact decimal string stored in numeric(12,2): "0.01" up to the bound, at most 2 places. */
export function parsePrice(value: unknown, field: string): string {
  if (typeof value !== 'string' || !PRICE.test(value.trim())) {
    throw new BadUserInputError(
      `${field} must be a decimal amount like "125.50" with at most two decimal places`,
      field,
    );
  }
  const text = value.trim();
  const amount = Number(text);
  if (amount < 0.01) throw new BadUserInputError(`${field} must be at least 0.01`, field);
  if (amount > LIMITS.priceMax) throw new BadUserInputError(`${field} must be at most ${LIMITS.priceMax}`, field);
  const [whole, cents = ''] = text.split('.');
  return `${BigInt(whole).toString()}.${cents.padEnd(2, '0')}`;
}

/** A quantity in kg as a decimal string for numeric(14,3): above zero, bounded, at most 3 places (grams). */
export function parseQuantity(value: unknown, field: string): string {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new BadUserInputError(`${field} must be a number of kilograms above zero`, field);
  }
  if (value > LIMITS.quantityMaxKg)
    throw new BadUserInputError(`${field} must be at most ${LIMITS.quantityMaxKg} kg`, field);
  const grams = Math.round(value * 1000);
  if (Math.abs(value * 1000 - grams) > 1e-6 || grams === 0) {
    throw new BadUserInputError(`${field} must have at most three decimal places`, field);
  }
  return (grams / 1000).toFixed(3);
}

export function parseTitle(value: unknown, field: string): string {
  const title = typeof value === 'string' ? value.trim() : '';
  if (title.length < LIMITS.titleMin || title.length > LIMITS.titleMax) {
    throw new BadUserInputError(`${field} must be ${LIMITS.titleMin} to ${LIMITS.titleMax} characters`, field);
  }
  if (!hasVisibleText(title)) throw new BadUserInputError(`${field} must contain visible characters`, field);
  return title;
}

export function parseDescription(value: unknown, field: string): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'string') throw new BadUserInputError(`${field} must be text`, field);
  const text = value.trim();
  if (text.length > LIMITS.descriptionMax)
    throw new BadUserInputError(`${field} must be at most ${LIMITS.descriptionMax} characters`, field);
  return text === '' ? null : text;
}

/** Trimmed, de-duplicated (case-insensitively, first spelling kept), bounded in number and length. */
export function parseCertifications(value: unknown, field: string): string[] {
  if (!Array.isArray(value)) throw new BadUserInputError(`${field} must be a list`, field);
  const seen = new Set<string>();
  const out: string[] = [];
  for (const raw of value) {
    const cert = typeof raw === 'string' ? raw.trim() : '';
    if (cert.length === 0 || cert.length > LIMITS.certificationLengthMax) {
      throw new BadUserInputError(`each of ${field} must be 1 to ${LIMITS.certificationLengthMax} characters`, field);
    }
    const key = cert.toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(cert);
  }
  if (out.length > LIMITS.certificationsMax)
    throw new BadUserInputError(`${field} may hold at most ${LIMITS.certificationsMax} entries`, field);
  return out;
}

export function parseSocialImpact(
  value: Omit<SocialImpactFlags, 'beeLevel'> & { beeLevel?: number | null },
  field: string,
): SocialImpactFlags {
  const bee = value.beeLevel ?? null;
  if (bee !== null && (!Number.isInteger(bee) || bee < 1 || bee > 8)) {
    throw new BadUserInputError(`${field}.beeLevel must be a whole number from 1 to 8`, `${field}.beeLevel`);
  }
  return {
    smallScaleFarmer: !!value.smallScaleFarmer,
    womenOwned: !!value.womenOwned,
    youthOwned: !!value.youthOwned,
    communityOwned: !!value.communityOwned,
    beeLevel: bee,
  };
}
