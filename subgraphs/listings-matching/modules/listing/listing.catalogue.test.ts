import { readFileSync } from 'node:fs';
import path from 'node:path';
import { buildASTSchema, parse, type GraphQLObjectType } from 'graphql';
import { SCHEMA_DIR } from '#platform/infra/paths';
import { ListingSort } from './listing-status';
import { inwardBounds, LISTING_FIELD_COLUMNS, pageColumns, roundSignificant } from './listing.catalogue';

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

describe('the columns a catalogue page reads', () => {
  it('names the columns of every field of Listing in the published schema, and nothing else', () => {
    const sdl = readFileSync(path.join(SCHEMA_DIR, 'listings-matching.graphql'), 'utf8');
    const listing = buildASTSchema(parse(sdl), { assumeValidSDL: true }).getType('Listing') as GraphQLObjectType;
    expect(Object.keys(LISTING_FIELD_COLUMNS).sort()).toEqual(
      ['__typename', ...Object.keys(listing.getFields())].sort(),
    );
  });

  it('reads the selected fields’ columns, the id and the sort’s column, in one order whatever the selection’s', () => {
    expect(pageColumns(new Set(['title', 'id']), ListingSort.PRICE_ASC)).toBe('id, title, price_per_kg');
    expect(pageColumns(new Set(['id', 'title']), ListingSort.PRICE_ASC)).toBe(
      pageColumns(new Set(['title', 'id']), ListingSort.PRICE_ASC),
    );
    const newest = pageColumns(new Set(['seller', '__typename']), ListingSort.NEWEST);
    expect(newest).toMatch(/^id, seller_id, \(extract\(epoch FROM created_at\) \* 1000\)::float8 AS created_ms$/);
    // the sort's column is one of the selected field's: read once
    expect(pageColumns(new Set(['socialImpact']), ListingSort.SOCIAL_IMPACT).split(', ')).toEqual([
      'id',
      ...LISTING_FIELD_COLUMNS.socialImpact,
    ]);
  });

  it('reads every column without a selection, or when one names a field it does not know', () => {
    const all = pageColumns(null, ListingSort.NEWEST);
    for (const column of ['description', 'certifications', 'status', 'updated_ms', 'created_ms'])
      expect(all).toContain(column);
    expect(pageColumns(new Set(['id', 'somethingNew']), ListingSort.NEWEST)).toBe(all);
    // an inherited name is not a field with columns
    expect(pageColumns(new Set(['id', 'toString']), ListingSort.NEWEST)).toBe(all);
  });
});
