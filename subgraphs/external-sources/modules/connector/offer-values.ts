import { shiftDecimal, isPositiveDecimal } from './decimal';
import { MAX_PRICE_PER_KG, MAX_QUANTITY_KG } from './products';

/** Converts a quantity to kg (three places) or says why it cannot. */
export function toKg(value: unknown, shift: number): { kg: string } | { reason: string } {
  const kg = shiftDecimal(value, shift, 3);
  if (kg === null) return { reason: `quantity ${JSON.stringify(value)} is not a number` };
  if (!isPositiveDecimal(kg)) return { reason: `quantity ${kg} kg is not above zero` };
  if (Number(kg) > MAX_QUANTITY_KG) return { reason: `quantity ${kg} kg is implausibly large` };
  return { kg };
}

/** Converts a price to ZAR per kg (two places) or says why it cannot. */
export function toZarPerKg(value: unknown, shift: number): { zar: string } | { reason: string } {
  const zar = shiftDecimal(value, shift, 2);
  if (zar === null) return { reason: `price ${JSON.stringify(value)} is not a number` };
  if (!isPositiveDecimal(zar)) return { reason: `price ${zar} ZAR/kg is not above zero` };
  if (Number(zar) > MAX_PRICE_PER_KG) return { reason: `price ${zar} ZAR/kg is implausibly large` };
  return { zar };
}
