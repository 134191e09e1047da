import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * One GIN index over product type, province and the search vector of ACTIVE listings (btree_gin
 * gives GIN the equality operators of text). A search with a word and a product type was answered
 * by two bitmaps ANDed together — the word's every listing (a tenth of the catalogue for a common
 * word) and the product type's every ACTIVE listing — before a row was read; this index finds the
 * listings that have both in one scan of their posting lists, and any subset of the three columns
 * can use it. At 100k listings a bounded `totalCount` (1,001 rows) of a common word within a
 * product type took about half the PostgreSQL CPU it did (docs/performance.md, sixth pass).
 * `listings_search_idx` stays for searches over every status (an admin's) and without a type.
 */
export class SearchWithinTypeIndex1732800000000 implements MigrationInterface {
  name = 'SearchWithinTypeIndex1732800000000';

  async up(q: QueryRunner): Promise<void> {
    // A trusted extension (PostgreSQL 13+): the database owner may create it; PGlite loads it at open.
    await q.query(`CREATE EXTENSION IF NOT EXISTS btree_gin`);
    await q.query(
      `CREATE INDEX listings_active_type_search_idx ON listings.listings USING gin (product_type, province, search) WHERE status = 'ACTIVE'`,
    );
    await q.query(`ANALYZE listings.listings`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX listings.listings_active_type_search_idx`);
  }
}
