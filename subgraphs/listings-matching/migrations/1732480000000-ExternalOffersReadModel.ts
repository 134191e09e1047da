import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * listings-matching's own copy of the external offers it may match, built from
 * `external.offers.crawled` (external-offer.consumer.ts): it never reads external-sources' tables.
 * Only non-personal fields are kept (no supplier names, towns or licence numbers).
 *
 * The match_* generated columns and the partial covering index mirror those of listings.listings,
 * so external candidates are pre-selected by the same index-only scoring scan: one range per
 * (product type, consented source).
 */
export class ExternalOffersReadModel1732480000000 implements MigrationInterface {
  name = 'ExternalOffersReadModel1732480000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE listings.external_sources (
        source_id uuid PRIMARY KEY,
        required_access_level text NOT NULL CHECK (required_access_level IN ('BASIC', 'ADVANCED', 'FULL')),
        -- the crawl that last set it: an older event never overwrites a newer one
        updated_at timestamptz(3) NOT NULL
      )`);
    await q.query(`
      CREATE TABLE listings.external_offers (
        offer_id uuid PRIMARY KEY,
        source_id uuid NOT NULL,
        external_id text NOT NULL,
        product_type text NOT NULL,
        quantity_kg numeric(14,3) NOT NULL,
        price_per_kg numeric(12,2) NOT NULL,
        province text,
        certifications text[] NOT NULL DEFAULT '{}',
        fetched_at timestamptz(3) NOT NULL,
        gone boolean NOT NULL DEFAULT false,
        gone_at timestamptz(3),
        match_price float8 GENERATED ALWAYS AS (price_per_kg::float8) STORED,
        match_available float8 GENERATED ALWAYS AS (quantity_kg::float8) STORED,
        match_certifications smallint GENERATED ALWAYS AS (least(cardinality(certifications), 3)) STORED,
        match_province smallint GENERATED ALWAYS AS (CASE province
          WHEN 'EASTERN_CAPE' THEN 1 WHEN 'FREE_STATE' THEN 2 WHEN 'GAUTENG' THEN 3 WHEN 'KWAZULU_NATAL' THEN 4
          WHEN 'LIMPOPO' THEN 5 WHEN 'MPUMALANGA' THEN 6 WHEN 'NORTHERN_CAPE' THEN 7 WHEN 'NORTH_WEST' THEN 8
          WHEN 'WESTERN_CAPE' THEN 9 END) STORED
      )`);
    await q.query(`
      CREATE INDEX external_offers_match_candidates_idx ON listings.external_offers (product_type, source_id, match_price, offer_id)
        INCLUDE (match_available, match_certifications, match_province, fetched_at)
        WHERE NOT gone`);
    await q.query(`CREATE INDEX external_offers_source_idx ON listings.external_offers (source_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE listings.external_offers`);
    await q.query(`DROP TABLE listings.external_sources`);
  }
}
