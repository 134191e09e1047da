export interface SocialImpactFlags {
  smallScaleFarmer: boolean;
  womenOwned: boolean;
  youthOwned: boolean;
  communityOwned: boolean;
  beeLevel: number | null;
}

/**
 * Social impact score in [0, 1]:
 *   0.25 × small-scale farmer + 0.25 × women-owned + 0.20 × youth-owned + 0.20 × community-owned
 *   + 0.10 × B-BBEE factor, where level 1 (the best) gives 1.0, level 8 gives 0.125 and no level 0.
 * Ownership by historically excluded groups weighs most; the B-BBEE level refines it.
 */
export function socialImpactScore(f: SocialImpactFlags): number {
  const bee = f.beeLevel && f.beeLevel >= 1 && f.beeLevel <= 8 ? (9 - f.beeLevel) / 8 : 0;
  const score =
    0.25 * Number(f.smallScaleFarmer) +
    0.25 * Number(f.womenOwned) +
    0.2 * Number(f.youthOwned) +
    0.2 * Number(f.communityOwned) +
    0.1 * bee;
  return Math.round(score * 1000) / 1000;
}
