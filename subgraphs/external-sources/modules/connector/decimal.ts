/**
 * Exact decimal conversion for money and weights: sources send numbers or strings, and rand per
 * tonne → rand per kg must not pass through a binary float (0.1 + 0.2 is not 0.3 there).
 */
const DECIMAL = /^(-?)(\d{1,30})(?:\.(\d{1,30}))?$/;

/**
 * `value × 10^shift`, rounded half away from zero to `places` decimals, as a string; null when the
 * value is not a plain decimal (exponent notation, text, NaN).
 */
export function shiftDecimal(value: unknown, shift: number, places: number): string | null {
  let text: string;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return null;
    text = String(value);
  } else if (typeof value === 'string') {
    text = value.trim();
  } else {
    return null;
  }
  const m = DECIMAL.exec(text);
  if (!m) return null;
  const negative = m[1] === '-';
  const fraction = m[3] ?? '';
  const units = BigInt(m[2] + fraction);
  const exponent = shift + places - fraction.length;
  let scaled: bigint;
  if (exponent >= 0) {
    scaled = units * 10n ** BigInt(exponent);
  } else {
    const divisor = 10n ** BigInt(-exponent);
    scaled = units / divisor;
    if ((units % divisor) * 2n >= divisor) scaled += 1n;
  }
  let digits = scaled.toString();
  if (places > 0) {
    digits = digits.padStart(places + 1, '0');
    digits = `${digits.slice(0, -places)}.${digits.slice(-places)}`;
  }
  return negative && scaled !== 0n ? `-${digits}` : digits;
}

/** True for a decimal string above zero. */
export function isPositiveDecimal(value: string): boolean {
  return !value.startsWith('-') && /[1-9]/.test(value);
}
