import type { GraphQLError } from 'graphql';
import { parseCertifications, parsePrice, parseQuantity, parseSocialImpact } from './listing.validation';
import { canTransition, ListingStatus } from './listing-status';

function fieldOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return (err as GraphQLError).extensions.field;
  }
  return undefined;
}

describe('listing validation', () => {
  it('normalises prices to two places and refuses anything else', () => {
    expect(parsePrice('12', 'p')).toBe('12.00');
    expect(parsePrice('0012.5', 'p')).toBe('12.50');
    expect(parsePrice('0.01', 'p')).toBe('0.01');
    for (const bad of ['0', '0.00', '0.001', '1e3', '-1', '', ' ', '1,50', '10000000'])
      expect(fieldOf(() => parsePrice(bad, 'p'))).toBe('p');
  });

  it('keeps quantities to the gram and bounded', () => {
    expect(parseQuantity(1.5, 'q')).toBe('1.500');
    expect(parseQuantity(0.001, 'q')).toBe('0.001');
    for (const bad of [0, -1, 0.0004, 1.2345, Number.NaN, 1_000_001])
      expect(fieldOf(() => parseQuantity(bad, 'q'))).toBe('q');
  });

  it('drops duplicate certifications case-insensitively', () => {
    expect(parseCertifications([' organic ', 'Organic', 'GAP'], 'c')).toEqual(['organic', 'GAP']);
  });

  it('names the nested field for a bad B-BBEE level', () => {
    const flags = { smallScaleFarmer: true, womenOwned: false, youthOwned: false, communityOwned: false };
    expect(parseSocialImpact({ ...flags, beeLevel: undefined }, 's').beeLevel).toBeNull();
    expect(fieldOf(() => parseSocialImpact({ ...flags, beeLevel: 0 }, 's'))).toBe('s.beeLevel');
    expect(fieldOf(() => parseSocialImpact({ ...flags, beeLevel: 2.5 }, 's'))).toBe('s.beeLevel');
  });

  it('never lets a listing leave ARCHIVED or return to DRAFT', () => {
    for (const to of Object.values(ListingStatus)) {
      expect(canTransition(ListingStatus.ARCHIVED, to)).toBe(false);
      expect(canTransition(to, ListingStatus.DRAFT)).toBe(false);
    }
  });
});
