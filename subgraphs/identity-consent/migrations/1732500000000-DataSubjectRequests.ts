import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Data-subject requests (ACCESS, ERASURE) and each subgraph's part of them. At most one PENDING
 * request per user and type (partial unique index): a second is a CONFLICT, even when two race.
 */
export class DataSubjectRequests1732500000000 implements MigrationInterface {
  name = 'DataSubjectRequests1732500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE identity.data_subject_requests (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        type text NOT NULL CHECK (type IN ('ACCESS', 'ERASURE')),
        status text NOT NULL CHECK (status IN ('PENDING', 'COMPLETED', 'FAILED')),
        subject_id uuid NOT NULL REFERENCES identity.users (id),
        requested_by uuid NOT NULL,
        requested_at timestamptz(3) NOT NULL DEFAULT now(),
        attempt_started_at timestamptz(3) NOT NULL DEFAULT now(),
        attempts int NOT NULL DEFAULT 1 CHECK (attempts >= 1),
        completed_at timestamptz(3),
        failure_reason text,
        export jsonb,
        export_expires_at timestamptz(3)
      )`);
    await q.query(
      `CREATE UNIQUE INDEX data_subject_requests_one_open_key ON identity.data_subject_requests (subject_id, type) WHERE status = 'PENDING'`,
    );
    await q.query(
      `CREATE INDEX data_subject_requests_subject_idx ON identity.data_subject_requests (subject_id, type, requested_at DESC)`,
    );
    await q.query(
      `CREATE INDEX data_subject_requests_export_expiry_idx ON identity.data_subject_requests (export_expires_at) WHERE export IS NOT NULL`,
    );
    await q.query(`
      CREATE TABLE identity.data_subject_request_parts (
        request_id uuid NOT NULL REFERENCES identity.data_subject_requests (id) ON DELETE CASCADE,
        subgraph text NOT NULL,
        status text NOT NULL CHECK (status IN ('PENDING', 'COMPLETED', 'FAILED')),
        erased int NOT NULL DEFAULT 0 CHECK (erased >= 0),
        retained int NOT NULL DEFAULT 0 CHECK (retained >= 0),
        reason text,
        error text,
        finished_at timestamptz(3),
        CONSTRAINT data_subject_request_parts_pkey PRIMARY KEY (request_id, subgraph)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE identity.data_subject_request_parts`);
    await q.query(`DROP TABLE identity.data_subject_requests`);
  }
}
