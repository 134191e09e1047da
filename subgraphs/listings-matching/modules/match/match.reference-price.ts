import type { DataSource } from 'typeorm';
import type { ProductType } from '#platform/infra/schema/shared-types';
import type { ReferenceInfo } from './match.candidates';

/**
 * Stores a median that a match request computed (CANDIDATES_SQL found none current), so the next
 * requests of that product type read it instead of sorting every price again.
 *
 * It is stored as current only if no listing write of the type committed since the snapshot it
 * was computed in: the triggers of migration 1732700000000 bump price_reference.version in the
 * writing transaction, so the version-guarded UPDATE (re-checked by PostgreSQL on the latest row)
 * finds a different version and changes nothing, and the next request computes again. A missing
 * row is inserted with version 0 only if no write created it meanwhile (ON CONFLICT DO NOTHING).
 * Hence a stored median is never stale: there is no time bound to configure, every replica sees a
 * write the moment it commits.
 *
 * Runs after the match transaction, on its own, so the row lock is held for one statement only.
 */
export async function storeComputedReference(
  dataSource: DataSource,
  productType: ProductType,
  reference: ReferenceInfo,
): Promise<void> {
  if (!reference.computed) return;
  if (reference.version === null) {
    await dataSource.query(
      `INSERT INTO listings.price_reference (product_type, version, computed_version, median, listing_count, computed_at)
       VALUES ($1, 0, 0, $2, $3, now()) ON CONFLICT (product_type) DO NOTHING`,
      [productType, reference.price, reference.listingCount],
    );
    return;
  }
  await dataSource.query(
    `UPDATE listings.price_reference
        SET computed_version = version, median = $3, listing_count = $4, computed_at = now()
      WHERE product_type = $1 AND version = $2::bigint AND computed_version IS DISTINCT FROM version`,
    [productType, reference.version, reference.price, reference.listingCount],
  );
}
