import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Analytics' own read models (it never reads another subgraph's tables) and the indexes the
 * aggregates, feature export, erasure and purge need. Every person appears only as an HMAC key.
 */
export class AnalyticsReadModels1732510000000 implements MigrationInterface {
  name = 'AnalyticsReadModels1732510000000';

  async up(q: QueryRunner): Promise<void> {
    // Denormalised at write time so the aggregates read one covering index, not JSON.
    await q.query(`ALTER TABLE analytics.interactions ADD COLUMN product_type text`);
    await q.query(
      `CREATE INDEX interactions_type_occurred_idx ON analytics.interactions (type, occurred_at) INCLUDE (product_type, listing_id)`,
    );
    await q.query(
      `CREATE INDEX interactions_user_occurred_idx ON analytics.interactions (user_key, occurred_at) WHERE user_key IS NOT NULL`,
    );
    await q.query(
      `CREATE INDEX interactions_pair_idx ON analytics.interactions (user_key, listing_id, occurred_at) INCLUDE (type)
       WHERE user_key IS NOT NULL AND listing_id IS NOT NULL`,
    );
    await q.query(`DROP INDEX analytics.interactions_user_key_idx`);

    // Counts per UTC hour, kept with every insert and delete of an interaction: interactionAnalytics
    // reads whole hours from here and only the partial hours at the range's edges from the log.
    await q.query(`
      CREATE TABLE analytics.interaction_rollup_hourly (
        bucket timestamptz(3) NOT NULL,
        type text NOT NULL,
        product_type text NOT NULL DEFAULT '',
        count int NOT NULL,
        CONSTRAINT interaction_rollup_hourly_pkey PRIMARY KEY (bucket, type, product_type)
      )`);

    await q.query(`
      CREATE TABLE analytics.listings (
        listing_id uuid PRIMARY KEY,
        seller_key text,
        product_type text NOT NULL,
        province text NOT NULL,
        price_per_kg numeric(14,2) NOT NULL,
        quantity_kg numeric(15,3) NOT NULL,
        available_kg numeric(15,3) NOT NULL,
        status text NOT NULL,
        social_impact_score double precision,
        certification_count int,
        created_at timestamptz(3) NOT NULL,
        version_at timestamptz(3) NOT NULL
      )`);
    await q.query(
      `CREATE INDEX listings_product_status_idx ON analytics.listings (product_type, status, province) INCLUDE (price_per_kg)`,
    );
    await q.query(
      `CREATE INDEX listings_seller_key_idx ON analytics.listings (seller_key) WHERE seller_key IS NOT NULL`,
    );

    await q.query(`
      CREATE TABLE analytics.orders (
        order_id uuid PRIMARY KEY,
        listing_id uuid NOT NULL,
        buyer_key text,
        seller_key text,
        quantity_kg numeric(15,3) NOT NULL,
        total numeric(14,2) NOT NULL,
        placed_at timestamptz(3) NOT NULL,
        cancelled_at timestamptz(3)
      )`);
    await q.query(`CREATE INDEX orders_seller_key_idx ON analytics.orders (seller_key) WHERE seller_key IS NOT NULL`);
    await q.query(`CREATE INDEX orders_buyer_key_idx ON analytics.orders (buyer_key) WHERE buyer_key IS NOT NULL`);
    await q.query(`CREATE INDEX orders_placed_at_idx ON analytics.orders (placed_at)`);

    await q.query(`
      CREATE TABLE analytics.external_offers (
        offer_id uuid PRIMARY KEY,
        data_source_id uuid NOT NULL,
        crawl_run_id uuid NOT NULL,
        product_type text NOT NULL,
        province text,
        price_per_kg numeric(14,2) NOT NULL,
        quantity_kg double precision NOT NULL,
        fetched_at timestamptz(3) NOT NULL
      )`);
    await q.query(
      `CREATE INDEX external_offers_product_idx ON analytics.external_offers (product_type, fetched_at) INCLUDE (province, price_per_kg, data_source_id, crawl_run_id)`,
    );
    await q.query(`CREATE INDEX external_offers_source_idx ON analytics.external_offers (data_source_id)`);

    // The newest crawl per source that brought offers: an offer it did not bring is gone.
    await q.query(`
      CREATE TABLE analytics.source_crawls (
        data_source_id uuid PRIMARY KEY,
        crawl_run_id uuid NOT NULL,
        occurred_at timestamptz(3) NOT NULL
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE analytics.source_crawls`);
    await q.query(`DROP TABLE analytics.interaction_rollup_hourly`);
    await q.query(`DROP TABLE analytics.external_offers`);
    await q.query(`DROP TABLE analytics.orders`);
    await q.query(`DROP TABLE analytics.listings`);
    await q.query(`CREATE INDEX interactions_user_key_idx ON analytics.interactions (user_key)`);
    await q.query(`DROP INDEX analytics.interactions_pair_idx`);
    await q.query(`DROP INDEX analytics.interactions_user_occurred_idx`);
    await q.query(`DROP INDEX analytics.interactions_type_occurred_idx`);
    await q.query(`ALTER TABLE analytics.interactions DROP COLUMN product_type`);
  }
}
