import { Province } from '#platform/infra/schema/shared-types';
import { provinceDistanceKm } from '#platform/infra/schema/provinces';

export { provinceDistanceKm };

/** listings.match_province numbers provinces 1..9 in this order (see the migration); fixed, never reordered. */
export const MATCH_PROVINCE_ORDER: readonly Province[] = [
  Province.EASTERN_CAPE,
  Province.FREE_STATE,
  Province.GAUTENG,
  Province.KWAZULU_NATAL,
  Province.LIMPOPO,
  Province.MPUMALANGA,
  Province.NORTHERN_CAPE,
  Province.NORTH_WEST,
  Province.WESTERN_CAPE,
];

const PROVINCES = Object.values(Province);

/** The largest centroid-to-centroid distance: distances are normalised against it. */
export const MAX_PROVINCE_DISTANCE_KM = Math.max(
  ...PROVINCES.flatMap((a) => PROVINCES.map((b) => provinceDistanceKm(a, b))),
);

export function provinceLabel(p: Province): string {
  return p
    .split('_')
    .map((w) => w[0] + w.slice(1).toLowerCase())
    .join(' ')
    .replace('Kwazulu Natal', 'KwaZulu-Natal');
}
