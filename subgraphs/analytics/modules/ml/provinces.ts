import { Province } from '#platform/infra/schema/shared-types';
import { provinceDistanceKm as centroidDistanceKm } from '#platform/infra/schema/provinces';

const PROVINCES = new Set<string>(Object.values(Province));

/** Distance between two provinces' centroids in km to one decimal (0 for the same one); null for an unknown name. */
export function provinceDistanceKm(from: string, to: string): number | null {
  if (!PROVINCES.has(from) || !PROVINCES.has(to)) return null;
  return Math.round(centroidDistanceKm(from as Province, to as Province) * 10) / 10;
}
