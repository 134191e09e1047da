import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Extended statistics on product type × province × status: the catalogue trusts the planner's row
 * estimate for a large `totalCount` (listing.catalogue.ts), and without these the planner takes the
 * three as independent, so a combination that barely occurs (a product nobody grows in a province)
 * would be estimated at its share of the whole catalogue.
 */
export class CatalogueStatistics1732620000000 implements MigrationInterface {
  name = 'CatalogueStatistics1732620000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE STATISTICS listings.listings_type_province_status (mcv, ndistinct, dependencies) ON product_type, province, status FROM listings.listings`,
    );
    await q.query(`ANALYZE listings.listings`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP STATISTICS listings.listings_type_province_status`);
  }
}
