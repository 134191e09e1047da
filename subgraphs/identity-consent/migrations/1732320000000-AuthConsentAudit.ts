import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Refresh tokens, consents, the hash-chained audit log and partner clients, plus the account
 * states (disabled, erased) that stop a user from refreshing.
 */
export class AuthConsentAudit1732320000000 implements MigrationInterface {
  name = 'AuthConsentAudit1732320000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE identity.users ADD COLUMN disabled_at timestamptz(3), ADD COLUMN erased_at timestamptz(3)`,
    );

    await q.query(`
      CREATE TABLE identity.refresh_tokens (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES identity.users (id) ON DELETE CASCADE,
        family_id uuid NOT NULL,
        token_hash text NOT NULL,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        expires_at timestamptz(3) NOT NULL,
        rotated_at timestamptz(3),
        revoked_at timestamptz(3)
      )`);
    await q.query(`CREATE UNIQUE INDEX refresh_tokens_token_hash_key ON identity.refresh_tokens (token_hash)`);
    await q.query(`CREATE INDEX refresh_tokens_family_id_idx ON identity.refresh_tokens (family_id)`);
    await q.query(`CREATE INDEX refresh_tokens_user_id_idx ON identity.refresh_tokens (user_id)`);

    // status holds ACTIVE, WITHDRAWN, or EXPIRED once a lapsed consent is superseded; an ACTIVE row
    // past expires_at reads as EXPIRED (computed at read time, so it never needs a job to flip it).
    await q.query(`
      CREATE TABLE identity.consents (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES identity.users (id) ON DELETE CASCADE,
        data_source_id uuid NOT NULL,
        access_level text NOT NULL CHECK (access_level IN ('BASIC', 'ADVANCED', 'FULL')),
        purpose text NOT NULL,
        consent_version text NOT NULL,
        status text NOT NULL CHECK (status IN ('ACTIVE', 'WITHDRAWN', 'EXPIRED')),
        granted_at timestamptz(3) NOT NULL,
        withdrawn_at timestamptz(3),
        expires_at timestamptz(3),
        ip_address text,
        user_agent text
      )`);
    await q.query(
      `CREATE UNIQUE INDEX consents_one_active_key ON identity.consents (user_id, data_source_id) WHERE status = 'ACTIVE'`,
    );
    await q.query(`CREATE INDEX consents_user_granted_idx ON identity.consents (user_id, granted_at DESC, id DESC)`);

    await q.query(`
      CREATE TABLE identity.audit_events (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        sequence bigint NOT NULL,
        at timestamptz(3) NOT NULL,
        actor_id uuid,
        action text NOT NULL,
        subject_id uuid,
        details jsonb,
        previous_hash text NOT NULL,
        hash text NOT NULL
      )`);
    await q.query(`CREATE UNIQUE INDEX audit_events_sequence_key ON identity.audit_events (sequence)`);
    await q.query(`CREATE INDEX audit_events_action_sequence_idx ON identity.audit_events (action, sequence DESC)`);
    await q.query(`CREATE INDEX audit_events_actor_sequence_idx ON identity.audit_events (actor_id, sequence DESC)`);
    // Append-only at the database too. The table owner can still disable the trigger (the tamper
    // test does exactly that); verifyAuditLog is what catches an edit made that way.
    await q.query(`
      CREATE FUNCTION identity.audit_events_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'identity.audit_events is append-only';
      END $$`);
    await q.query(`
      CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON identity.audit_events
      FOR EACH ROW EXECUTE FUNCTION identity.audit_events_refuse_change()`);
    await q.query(`
      CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON identity.audit_events
      FOR EACH STATEMENT EXECUTE FUNCTION identity.audit_events_refuse_change()`);

    await q.query(`
      CREATE TABLE identity.partner_clients (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL,
        tier text NOT NULL CHECK (tier IN ('FREE', 'STANDARD', 'PREMIUM')),
        key_hash text NOT NULL,
        created_by uuid,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        revoked_at timestamptz(3)
      )`);
    await q.query(`CREATE UNIQUE INDEX partner_clients_key_hash_key ON identity.partner_clients (key_hash)`);
    await q.query(`CREATE INDEX partner_clients_created_at_idx ON identity.partner_clients (created_at DESC, id DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE identity.partner_clients`);
    await q.query(`DROP TABLE identity.audit_events`);
    await q.query(`DROP FUNCTION identity.audit_events_refuse_change()`);
    await q.query(`DROP TABLE identity.consents`);
    await q.query(`DROP TABLE identity.refresh_tokens`);
    await q.query(`ALTER TABLE identity.users DROP COLUMN disabled_at, DROP COLUMN erased_at`);
  }
}
