import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateListings1732233600000 implements MigrationInterface {
  name = 'CreateListings1732233600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE listings.listings (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        seller_id uuid NOT NULL,
        title text NOT NULL,
        description text,
        product_type text NOT NULL,
        quantity_kg numeric(14,3) NOT NULL CHECK (quantity_kg > 0),
        available_kg numeric(14,3) NOT NULL CHECK (available_kg >= 0 AND available_kg <= quantity_kg),
        price_per_kg numeric(12,2) NOT NULL CHECK (price_per_kg >= 0.01),
        province text NOT NULL,
        certifications text[] NOT NULL DEFAULT '{}',
        small_scale_farmer boolean NOT NULL DEFAULT false,
        women_owned boolean NOT NULL DEFAULT false,
        youth_owned boolean NOT NULL DEFAULT false,
        community_owned boolean NOT NULL DEFAULT false,
        bee_level int CHECK (bee_level BETWEEN 1 AND 8),
        social_impact_score real NOT NULL DEFAULT 0,
        status text NOT NULL DEFAULT 'DRAFT',
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await q.query(
      `CREATE INDEX listings_seller_created_idx ON listings.listings (seller_id, created_at DESC, id DESC)`,
    );
    await q.query(`CREATE INDEX listings_status_created_idx ON listings.listings (status, created_at DESC, id DESC)`);
    await q.query(`CREATE INDEX listings_status_price_idx ON listings.listings (status, price_per_kg, id)`);
    await q.query(
      `CREATE INDEX listings_status_impact_idx ON listings.listings (status, social_impact_score DESC, id DESC)`,
    );
    await q.query(
      `CREATE INDEX listings_status_product_province_idx ON listings.listings (status, product_type, province)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE listings.listings`);
  }
}
