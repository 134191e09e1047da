import { ProductType } from '#platform/infra/schema/shared-types';

/** Free-text product names → ProductType, most specific rule first. */
const RULES: Array<[RegExp, ProductType]> = [
  [/\bcbd\b.*\bisolate\b|\bisolate\b/i, ProductType.CBD_ISOLATE],
  [/\bcbd\b/i, ProductType.CBD_OIL],
  [/\bseedlings?\b|\bclones?\b/i, ProductType.SEEDLINGS],
  [/\b(flower|buds?)\b/i, ProductType.CANNABIS_FLOWER],
  [/\b(extract|resin|distillate|rosin)\b/i, ProductType.CANNABIS_EXTRACT],
  [/\boil\b/i, ProductType.HEMP_OIL],
  [/\b(seeds?|hearts)\b/i, ProductType.HEMP_SEED],
  [/\b(fibre|fiber|stalks?|hurd|shiv|bast)\b/i, ProductType.HEMP_FIBRE],
];

export function productTypeFromName(name: string): ProductType | null {
  for (const [pattern, type] of RULES) if (pattern.test(name)) return type;
  return null;
}

/** The exchange's product codes (its published code list). */
export const EXCHANGE_PRODUCT_CODES: Record<string, ProductType> = {
  'CBD-ISO-99': ProductType.CBD_ISOLATE,
  'CBD-ISO-98': ProductType.CBD_ISOLATE,
  'CBD-OIL-FS': ProductType.CBD_OIL,
  'CBD-OIL-BS': ProductType.CBD_OIL,
  'CAN-FLW-IND': ProductType.CANNABIS_FLOWER,
  'CAN-FLW-SAT': ProductType.CANNABIS_FLOWER,
  'CAN-EXT-RSN': ProductType.CANNABIS_EXTRACT,
  'CAN-EXT-DST': ProductType.CANNABIS_EXTRACT,
  'HMP-OIL-CP': ProductType.HEMP_OIL,
  'HMP-SD-HUL': ProductType.HEMP_SEED,
  'HMP-FBR-RAW': ProductType.HEMP_FIBRE,
  'HMP-SDL': ProductType.SEEDLINGS,
};

/** Upper bounds of the columns the values land in (numeric(14,3) and numeric(12,2)). */
export const MAX_QUANTITY_KG = 99_999_999_999;
export const MAX_PRICE_PER_KG = 9_999_999_999;
