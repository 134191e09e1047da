import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What lets requestMatches stop scanning the whole product type (docs/performance.md,
 * match.candidates-sql.ts):
 *
 * 1. listings.price_reference keeps the median price per product type. `version` counts the writes
 *    that changed the median's input (ACTIVE listings with stock of that type, and their prices);
 *    the stored median is valid while `computed_version = version`. The counter is bumped by
 *    statement triggers on listings.listings, in the writing transaction itself, so every write
 *    path (services, scripts, another replica, SQL by hand) invalidates it the moment it commits,
 *    and a recomputation that raced with a write cannot store a stale value as current
 *    (match.reference-price.ts).
 * 2. match_impact_tier (the social impact score in tenths) and listings_match_tiers_idx: one index
 *    range per (province, certifications, impact tier) ordered by price, so the scan can bound every
 *    term but quantity and the track record per range and read only the prices that can still reach
 *    the top K. The CHECKs make every listing fall in a range (one of the nine provinces) and the
 *    tier's bound ((tier + 1) / 10) hold for every row. listings.match_ranges lists the ranges
 *    that have held a listing, so the scan does not probe the empty ones.
 */
export class MatchReferenceAndTiers1732700000000 implements MigrationInterface {
  name = 'MatchReferenceAndTiers1732700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE listings.price_reference (
        product_type text PRIMARY KEY,
        version bigint NOT NULL DEFAULT 0,
        computed_version bigint,
        median float8,
        listing_count int,
        computed_at timestamptz(3)
      )`);
    // Every (province, certifications, impact tier) range of listings_match_tiers_idx that has held
    // a matchable listing of the type, added by the same triggers in the writing transaction (so a
    // visible listing's range is visible too) and never removed: the scan visits only these ranges
    // instead of every combination (a stale one costs one empty index descent).
    await q.query(`
      CREATE TABLE listings.match_ranges (
        product_type text NOT NULL,
        province smallint NOT NULL,
        certs smallint NOT NULL,
        tier smallint NOT NULL,
        PRIMARY KEY (product_type, province, certs, tier)
      )`);
    // One bump per type per statement (bulk inserts bump once), types in a fixed order so that two
    // writers of several types lock the rows in the same order.
    await q.query(`
      CREATE FUNCTION listings.price_reference_bump(types text[]) RETURNS void LANGUAGE sql AS $$
        INSERT INTO listings.price_reference AS r (product_type, version)
        SELECT DISTINCT t, 1 FROM unnest(types) t WHERE t IS NOT NULL ORDER BY 1
        ON CONFLICT (product_type) DO UPDATE SET version = r.version + 1
      $$`);
    await q.query(`
      CREATE FUNCTION listings.price_reference_on_insert() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM listings.price_reference_bump(ARRAY(
          SELECT product_type FROM new_rows WHERE status = 'ACTIVE' AND available_kg > 0));
        INSERT INTO listings.match_ranges (product_type, province, certs, tier)
        SELECT DISTINCT product_type, match_province, match_certifications, match_impact_tier
          FROM new_rows WHERE status = 'ACTIVE' AND available_kg > 0 ORDER BY 1, 2, 3, 4
        ON CONFLICT DO NOTHING;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE FUNCTION listings.price_reference_on_delete() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM listings.price_reference_bump(ARRAY(
          SELECT product_type FROM old_rows WHERE status = 'ACTIVE' AND available_kg > 0));
        RETURN NULL;
      END $$`);
    // An update matters when a row enters or leaves the set, or changes price or type inside it;
    // an order that leaves stock above zero changes nothing the median reads.
    await q.query(`
      CREATE FUNCTION listings.price_reference_on_update() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM listings.price_reference_bump(ARRAY(
          SELECT x.product_type FROM old_rows o JOIN new_rows n ON n.id = o.id,
                 LATERAL (VALUES (o.product_type), (n.product_type)) x (product_type)
           WHERE (o.status = 'ACTIVE' AND o.available_kg > 0) IS DISTINCT FROM (n.status = 'ACTIVE' AND n.available_kg > 0)
              OR ((n.status = 'ACTIVE' AND n.available_kg > 0)
                  AND (o.price_per_kg IS DISTINCT FROM n.price_per_kg OR o.product_type IS DISTINCT FROM n.product_type))));
        INSERT INTO listings.match_ranges (product_type, province, certs, tier)
        SELECT DISTINCT product_type, match_province, match_certifications, match_impact_tier
          FROM new_rows WHERE status = 'ACTIVE' AND available_kg > 0 ORDER BY 1, 2, 3, 4
        ON CONFLICT DO NOTHING;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER listings_price_reference_insert AFTER INSERT ON listings.listings
        REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION listings.price_reference_on_insert()`);
    await q.query(`
      CREATE TRIGGER listings_price_reference_update AFTER UPDATE ON listings.listings
        REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION listings.price_reference_on_update()`);
    await q.query(`
      CREATE TRIGGER listings_price_reference_delete AFTER DELETE ON listings.listings
        REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION listings.price_reference_on_delete()`);
    // TRUNCATE fires no DELETE trigger: it makes every stored median stale.
    await q.query(`
      CREATE FUNCTION listings.price_reference_on_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        UPDATE listings.price_reference SET version = version + 1;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER listings_price_reference_truncate AFTER TRUNCATE ON listings.listings
        FOR EACH STATEMENT EXECUTE FUNCTION listings.price_reference_on_truncate()`);

    await q.query(`
      ALTER TABLE listings.listings
        ADD CONSTRAINT listings_social_impact_score_check CHECK (social_impact_score >= 0 AND social_impact_score <= 1),
        ADD CONSTRAINT listings_province_check CHECK (match_province IS NOT NULL),
        ADD COLUMN match_impact_tier smallint GENERATED ALWAYS AS (floor(social_impact_score * 10)) STORED`);
    await q.query(`
      CREATE INDEX listings_match_tiers_idx
        ON listings.listings (product_type, match_province, match_certifications, match_impact_tier, match_price, id)
        INCLUDE (seller_id, match_available, social_impact_score, created_at)
        WHERE status = 'ACTIVE' AND available_kg > 0`);
    await q.query(`
      INSERT INTO listings.match_ranges (product_type, province, certs, tier)
      SELECT DISTINCT product_type, match_province, match_certifications, match_impact_tier
        FROM listings.listings WHERE status = 'ACTIVE' AND available_kg > 0`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX listings.listings_match_tiers_idx`);
    await q.query(`ALTER TABLE listings.listings DROP COLUMN match_impact_tier,
      DROP CONSTRAINT listings_social_impact_score_check, DROP CONSTRAINT listings_province_check`);
    await q.query(`DROP TRIGGER listings_price_reference_truncate ON listings.listings`);
    await q.query(`DROP FUNCTION listings.price_reference_on_truncate()`);
    await q.query(`DROP TRIGGER listings_price_reference_delete ON listings.listings`);
    await q.query(`DROP TRIGGER listings_price_reference_update ON listings.listings`);
    await q.query(`DROP TRIGGER listings_price_reference_insert ON listings.listings`);
    await q.query(`DROP FUNCTION listings.price_reference_on_update()`);
    await q.query(`DROP FUNCTION listings.price_reference_on_delete()`);
    await q.query(`DROP FUNCTION listings.price_reference_on_insert()`);
    await q.query(`DROP FUNCTION listings.price_reference_bump(text[])`);
    await q.query(`DROP TABLE listings.match_ranges`);
    await q.query(`DROP TABLE listings.price_reference`);
  }
}
