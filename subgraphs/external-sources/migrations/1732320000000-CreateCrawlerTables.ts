import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Offers and licences the crawler keeps, its runs with per-source results and rejected records,
 * and users' encrypted source credentials (keyed by user, so erasing a user is one DELETE).
 */
export class CreateCrawlerTables1732320000000 implements MigrationInterface {
  name = 'CreateCrawlerTables1732320000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE external.crawl_runs (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        status text NOT NULL CHECK (status IN ('RUNNING', 'SUCCEEDED', 'PARTIAL', 'FAILED')),
        trigger text NOT NULL CHECK (trigger IN ('MANUAL', 'SCHEDULED')),
        requested_by uuid,
        started_at timestamptz(3) NOT NULL DEFAULT now(),
        finished_at timestamptz(3),
        heartbeat_at timestamptz(3) NOT NULL DEFAULT now(),
        error text
      )`);
    await q.query(`CREATE INDEX crawl_runs_started_idx ON external.crawl_runs (started_at DESC, id DESC)`);
    await q.query(`CREATE INDEX crawl_runs_running_idx ON external.crawl_runs (heartbeat_at) WHERE status = 'RUNNING'`);

    await q.query(`
      CREATE TABLE external.crawl_source_results (
        crawl_run_id uuid NOT NULL REFERENCES external.crawl_runs (id) ON DELETE CASCADE,
        data_source_id uuid NOT NULL REFERENCES external.data_sources (id),
        status text NOT NULL CHECK (status IN ('RUNNING', 'SUCCEEDED', 'FAILED')),
        fetched int NOT NULL DEFAULT 0,
        normalized int NOT NULL DEFAULT 0,
        rejected int NOT NULL DEFAULT 0,
        gone int NOT NULL DEFAULT 0,
        pages int NOT NULL DEFAULT 0,
        retries int NOT NULL DEFAULT 0,
        duration_ms int NOT NULL DEFAULT 0,
        error text,
        started_at timestamptz(3) NOT NULL DEFAULT now(),
        finished_at timestamptz(3),
        PRIMARY KEY (crawl_run_id, data_source_id)
      )`);
    await q.query(
      `CREATE INDEX crawl_source_results_source_idx ON external.crawl_source_results (data_source_id, started_at DESC)`,
    );

    await q.query(`
      CREATE TABLE external.crawl_rejections (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        crawl_run_id uuid NOT NULL,
        data_source_id uuid NOT NULL,
        external_id text,
        reason text NOT NULL,
        record jsonb,
        FOREIGN KEY (crawl_run_id, data_source_id) REFERENCES external.crawl_source_results (crawl_run_id, data_source_id) ON DELETE CASCADE
      )`);
    await q.query(
      `CREATE INDEX crawl_rejections_result_idx ON external.crawl_rejections (crawl_run_id, data_source_id, id)`,
    );

    await q.query(`
      CREATE TABLE external.external_offers (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        data_source_id uuid NOT NULL REFERENCES external.data_sources (id),
        external_id text NOT NULL,
        supplier_name text NOT NULL,
        product_type text NOT NULL,
        quantity_kg numeric(14,3) NOT NULL CHECK (quantity_kg > 0),
        price_per_kg numeric(12,2) NOT NULL CHECK (price_per_kg >= 0.01),
        province text,
        town text,
        certifications text[] NOT NULL DEFAULT '{}',
        licence_number text,
        fetched_at timestamptz(3) NOT NULL,
        first_seen_at timestamptz(3) NOT NULL DEFAULT now(),
        last_crawl_run_id uuid NOT NULL,
        gone_at timestamptz(3)
      )`);
    await q.query(
      `CREATE UNIQUE INDEX external_offers_source_external_key ON external.external_offers (data_source_id, external_id)`,
    );
    await q.query(
      `CREATE INDEX external_offers_live_idx ON external.external_offers (fetched_at DESC, id DESC) WHERE gone_at IS NULL`,
    );
    await q.query(
      `CREATE INDEX external_offers_live_product_idx ON external.external_offers (product_type, fetched_at DESC, id DESC) WHERE gone_at IS NULL`,
    );

    await q.query(`
      CREATE TABLE external.licences (
        data_source_id uuid NOT NULL REFERENCES external.data_sources (id),
        licence_number text NOT NULL,
        holder_name text NOT NULL,
        licence_type text NOT NULL,
        province text,
        status text NOT NULL,
        issued_on date NOT NULL,
        expires_on date NOT NULL,
        fetched_at timestamptz(3) NOT NULL,
        last_crawl_run_id uuid NOT NULL,
        gone_at timestamptz(3),
        PRIMARY KEY (data_source_id, licence_number)
      )`);
    await q.query(`CREATE INDEX licences_number_idx ON external.licences (licence_number)`);

    await q.query(`
      CREATE TABLE external.data_source_credentials (
        user_id uuid NOT NULL,
        data_source_id uuid NOT NULL REFERENCES external.data_sources (id),
        key_id text NOT NULL,
        nonce bytea NOT NULL,
        ciphertext bytea NOT NULL,
        auth_tag bytea NOT NULL,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now(),
        PRIMARY KEY (user_id, data_source_id)
      )`);
    await q.query(`CREATE INDEX data_source_credentials_key_idx ON external.data_source_credentials (key_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE external.data_source_credentials`);
    await q.query(`DROP TABLE external.licences`);
    await q.query(`DROP TABLE external.external_offers`);
    await q.query(`DROP TABLE external.crawl_rejections`);
    await q.query(`DROP TABLE external.crawl_source_results`);
    await q.query(`DROP TABLE external.crawl_runs`);
  }
}
