import { Province } from '../../../../platform/schema/shared-types';

/** Approximate geographic centroids of the provinces (degrees latitude, longitude). */
const CENTROIDS: Record<Province, { lat: number; lon: number }> = {
  EASTERN_CAPE: { lat: -32.3, lon: 26.42 },
  FREE_STATE: { lat: -28.45, lon: 26.8 },
  GAUTENG: { lat: -26.27, lon: 28.11 },
  KWAZULU_NATAL: { lat: -28.53, lon: 30.9 },
  LIMPOPO: { lat: -23.4, lon: 29.42 },
  MPUMALANGA: { lat: -25.57, lon: 30.53 },
  NORTHERN_CAPE: { lat: -29.05, lon: 21.86 },
  NORTH_WEST: { lat: -26.66, lon: 25.28 },
  WESTERN_CAPE: { lat: -33.23, lon: 21.86 },
};

const rad = (deg: number) => (deg * Math.PI) / 180;

/** Great-circle distance between two provinces' centroids in km (0 for the same one); null for an unknown name. */
export function provinceDistanceKm(from: string, to: string): number | null {
  const a = CENTROIDS[from as Province];
  const b = CENTROIDS[to as Province];
  if (!a || !b) return null;
  if (from === to) return 0;
  const h = Math.sin(rad(b.lat - a.lat) / 2) ** 2 + Math.cos(rad(a.lat)) * Math.cos(rad(b.lat)) * Math.sin(rad(b.lon - a.lon) / 2) ** 2;
  return Math.round(2 * 6371 * Math.asin(Math.min(1, Math.sqrt(h))) * 10) / 10;
}
