import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The revocation model (docs/revocation.md): a per-user token version (raised by a role change or an
 * erasure request; access tokens carry it as `ver`), the moment erasure was requested, and the
 * revocation log every service's in-memory view is loaded from and kept current with.
 */
export class Revocation1732600000000 implements MigrationInterface {
  name = 'Revocation1732600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE identity.users ADD COLUMN token_version int NOT NULL DEFAULT 1`);
    await q.query(`ALTER TABLE identity.users ADD COLUMN erasure_requested_at timestamptz(3)`);
    await q.query(`
      CREATE TABLE identity.revocations (
        seq bigserial PRIMARY KEY,
        kind text NOT NULL CHECK (kind IN ('session', 'user', 'erasure')),
        user_id uuid NOT NULL,
        session_id uuid,
        min_version int,
        reason text NOT NULL,
        recorded_at timestamptz(3) NOT NULL DEFAULT clock_timestamp()
      )`);
    await q.query(`CREATE INDEX revocations_recorded_at_idx ON identity.revocations (recorded_at)`);
    await q.query(`ALTER TABLE identity.data_subject_request_parts ADD COLUMN note text`);
    await q.query(`CREATE INDEX revocations_erasure_idx ON identity.revocations (user_id) WHERE kind = 'erasure'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE identity.data_subject_request_parts DROP COLUMN note`);
    await q.query(`DROP TABLE identity.revocations`);
    await q.query(`ALTER TABLE identity.users DROP COLUMN erasure_requested_at`);
    await q.query(`ALTER TABLE identity.users DROP COLUMN token_version`);
  }
}
