import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Index paths for the catalogue at scale (docs/performance.md):
 *  - a signed-in seller's own listings that are not ACTIVE (their branch of the catalogue): a small
 *    partial index, so that branch reads only those rows and never the seller's ACTIVE ones;
 *  - ACTIVE listings by product type and province, newest first: a filtered page stops after
 *    `first + 1` rows instead of sorting every match, and its bounded count is an index range.
 */
export class CatalogueIndexes1732600000000 implements MigrationInterface {
  name = 'CatalogueIndexes1732600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE INDEX listings_seller_inactive_idx ON listings.listings (seller_id, created_at DESC, id DESC) WHERE status <> 'ACTIVE'`,
    );
    await q.query(
      `CREATE INDEX listings_active_product_province_created_idx ON listings.listings (product_type, province, created_at DESC, id DESC) WHERE status = 'ACTIVE'`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX listings.listings_active_product_province_created_idx`);
    await q.query(`DROP INDEX listings.listings_seller_inactive_idx`);
  }
}
