import { Province } from '#platform/infra/schema/shared-types';
import { provinceDistanceKm } from '#platform/infra/schema/provinces';

const PROVINCES = new Set<string>(Object.values(Province));

/**
 * The model's `distance_km` feature: platform's `provinceDistanceKm` for names as the events carry
 * them (any string), rounded to one decimal (0 for the same province); null for an unknown name.
 */
export function distanceFeatureKm(from: string, to: string): number | null {
  if (!PROVINCES.has(from) || !PROVINCES.has(to)) return null;
  return Math.round(provinceDistanceKm(from as Province, to as Province) * 10) / 10;
}
