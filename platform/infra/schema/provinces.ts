import { Province } from '#platform/infra/schema/shared-types';

/** Province geography shared by matching (distance score) and analytics (distance feature). */

/** Approximate geographic centroids of the provinces (degrees latitude, longitude). */
export const PROVINCE_CENTROIDS: Record<Province, { lat: number; lon: number }> = {
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

const EARTH_RADIUS_KM = 6371;
const rad = (deg: number) => (deg * Math.PI) / 180;

/** Great-circle distance between two points (haversine), in km. */
export function haversineKm(a: { lat: number; lon: number }, b: { lat: number; lon: number }): number {
  const dLat = rad(b.lat - a.lat);
  const dLon = rad(b.lon - a.lon);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(rad(a.lat)) * Math.cos(rad(b.lat)) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(h)));
}

export function provinceDistanceKm(from: Province, to: Province): number {
  return from === to ? 0 : haversineKm(PROVINCE_CENTROIDS[from], PROVINCE_CENTROIDS[to]);
}
