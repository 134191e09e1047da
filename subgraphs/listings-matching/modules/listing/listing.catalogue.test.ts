import { inwardBounds, roundSignificant } from './listing.catalogue';

describe('the bounds an estimate is read for', () => {
  it('rounds a minimum up and a maximum down to two significant figures', () => {
    expect(roundSignificant(1234, 'up')).toBe(1300);
    expect(roundSignificant(1234, 'down')).toBe(1200);
    expect(roundSignificant(0.000121, 'up')).toBe(0.00013);
    expect(roundSignificant(0.000129, 'up')).toBe(0.00013);
    expect(roundSignificant(0.00013, 'up')).toBe(0.00013);
    expect(roundSignificant(99.5, 'up')).toBe(100);
    expect(roundSignificant(0, 'up')).toBe(0);
    // money moves in whole cents at least
    expect(roundSignificant(0.011, 'up', 0.01)).toBe(0.02);
    expect(roundSignificant(0.011, 'down', 0.01)).toBe(0.01);
  });

  it('only ever narrows the filter, so an estimate above a threshold holds for the filter itself', () => {
    const narrowed = inwardBounds({ minPricePerKg: '101.50', maxPricePerKg: '987.65', minAvailableKg: 12.5 })!;
    expect(narrowed).toEqual({ minPricePerKg: '110.00', maxPricePerKg: '980.00', minAvailableKg: 13 });
    for (let i = 0; i < 500; i++) {
      const x = Math.round(Math.random() * 10 ** (1 + (i % 7))) / 100;
      expect(roundSignificant(x, 'up', 0.01)).toBeGreaterThanOrEqual(x);
      expect(roundSignificant(x, 'down', 0.01)).toBeLessThanOrEqual(x);
    }
    // nothing else in the filter changes, invalid amounts are left for validation to refuse
    expect(inwardBounds({ text: 'hemp', minPricePerKg: 'ten' })).toEqual({ text: 'hemp', minPricePerKg: 'ten' });
    expect(inwardBounds(undefined)).toBeUndefined();
  });
});
