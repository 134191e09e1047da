import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Full-text search, orders and match requests.
 *
 * Search is a generated tsvector (title weighs more than description) with a GIN index: it needs
 * no extension, so the embedded PGlite database runs the same migration. Matching pre-selects from
 * a partial covering index that holds only what can be matched (ACTIVE with stock), by product
 * type and price.
 */
export class SearchOrdersMatches1732320000000 implements MigrationInterface {
  name = 'SearchOrdersMatches1732320000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE listings.listings ADD COLUMN search tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english', title), 'A') || setweight(to_tsvector('english', coalesce(description, '')), 'B')
      ) STORED`);
    await q.query(`CREATE INDEX listings_search_idx ON listings.listings USING gin (search)`);
    // Matching scores every ACTIVE listing of a product type in SQL. These generated columns give it
    // plain numbers (float8 arithmetic, an array subscript for the province) instead of numeric-to-
    // float conversions and text comparisons per row, and the partial covering index holds exactly
    // them, so the scan is index-only and never reads the wide rows with titles and descriptions.
    // match_province numbers the provinces in the order of MATCH_PROVINCE_ORDER (provinces.ts).
    await q.query(`
      ALTER TABLE listings.listings
        ADD COLUMN match_price float8 GENERATED ALWAYS AS (price_per_kg::float8) STORED,
        ADD COLUMN match_available float8 GENERATED ALWAYS AS (available_kg::float8) STORED,
        ADD COLUMN match_certifications smallint GENERATED ALWAYS AS (least(cardinality(certifications), 3)) STORED,
        ADD COLUMN match_province smallint GENERATED ALWAYS AS (CASE province
          WHEN 'EASTERN_CAPE' THEN 1 WHEN 'FREE_STATE' THEN 2 WHEN 'GAUTENG' THEN 3 WHEN 'KWAZULU_NATAL' THEN 4
          WHEN 'LIMPOPO' THEN 5 WHEN 'MPUMALANGA' THEN 6 WHEN 'NORTHERN_CAPE' THEN 7 WHEN 'NORTH_WEST' THEN 8
          WHEN 'WESTERN_CAPE' THEN 9 END) STORED`);
    await q.query(`
      CREATE INDEX listings_match_candidates_idx ON listings.listings (product_type, match_price, id)
        INCLUDE (seller_id, match_available, match_certifications, match_province, social_impact_score, created_at)
        WHERE status = 'ACTIVE' AND available_kg > 0`);
    await q.query(`
      ALTER TABLE listings.listings ADD CONSTRAINT listings_status_check
        CHECK (status IN ('DRAFT', 'ACTIVE', 'PAUSED', 'SOLD_OUT', 'ARCHIVED'))`);

    // A seller's track record, kept in the same transaction as the orders that change it, so that
    // matching can rank on it in SQL without aggregating the orders table per request.
    await q.query(`
      CREATE TABLE listings.seller_stats (
        seller_id uuid PRIMARY KEY,
        confirmed_orders int NOT NULL DEFAULT 0 CHECK (confirmed_orders >= 0)
      )`);

    await q.query(`
      CREATE TABLE listings.orders (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        listing_id uuid NOT NULL REFERENCES listings.listings (id),
        buyer_id uuid NOT NULL,
        seller_id uuid NOT NULL,
        quantity_kg numeric(14,3) NOT NULL CHECK (quantity_kg > 0),
        price_per_kg numeric(12,2) NOT NULL,
        total numeric(16,2) NOT NULL,
        status text NOT NULL CHECK (status IN ('PENDING', 'CONFIRMED', 'CANCELLED')),
        idempotency_key text NOT NULL,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now(),
        cancelled_at timestamptz(3),
        cancelled_by uuid
      )`);
    await q.query(`CREATE UNIQUE INDEX orders_buyer_idempotency_key ON listings.orders (buyer_id, idempotency_key)`);
    await q.query(`CREATE INDEX orders_buyer_created_idx ON listings.orders (buyer_id, created_at DESC, id DESC)`);
    await q.query(`CREATE INDEX orders_seller_idx ON listings.orders (seller_id)`);
    await q.query(`CREATE INDEX orders_listing_idx ON listings.orders (listing_id)`);

    await q.query(`
      CREATE TABLE listings.match_requests (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        buyer_id uuid NOT NULL,
        product_type text NOT NULL,
        quantity_kg numeric(14,3) NOT NULL CHECK (quantity_kg > 0),
        max_price_per_kg numeric(12,2),
        province text,
        include_external boolean NOT NULL DEFAULT false,
        weights jsonb NOT NULL,
        reference_price_per_kg numeric(12,2),
        created_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await q.query(
      `CREATE INDEX match_requests_buyer_created_idx ON listings.match_requests (buyer_id, created_at DESC, id DESC)`,
    );

    await q.query(`
      CREATE TABLE listings.match_results (
        match_request_id uuid NOT NULL REFERENCES listings.match_requests (id) ON DELETE CASCADE,
        rank int NOT NULL CHECK (rank >= 1),
        source text NOT NULL CHECK (source IN ('INTERNAL', 'EXTERNAL')),
        listing_id uuid REFERENCES listings.listings (id),
        external_offer_id uuid,
        score double precision NOT NULL,
        price_score double precision NOT NULL,
        distance_score double precision NOT NULL,
        quantity_score double precision NOT NULL,
        quality_score double precision NOT NULL,
        social_impact_score double precision NOT NULL,
        explanation text NOT NULL,
        PRIMARY KEY (match_request_id, rank),
        CONSTRAINT match_results_one_target CHECK ((listing_id IS NULL) <> (external_offer_id IS NULL))
      )`);
    await q.query(`CREATE INDEX match_results_listing_idx ON listings.match_results (listing_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE listings.match_results`);
    await q.query(`DROP TABLE listings.match_requests`);
    await q.query(`DROP TABLE listings.orders`);
    await q.query(`DROP TABLE listings.seller_stats`);
    await q.query(`ALTER TABLE listings.listings DROP CONSTRAINT listings_status_check`);
    await q.query(`DROP INDEX listings.listings_match_candidates_idx`);
    await q.query(`DROP INDEX listings.listings_search_idx`);
    await q.query(`ALTER TABLE listings.listings DROP COLUMN search, DROP COLUMN match_price, DROP COLUMN match_available,
      DROP COLUMN match_certifications, DROP COLUMN match_province`);
  }
}
