import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateInteractions1732233600000 implements MigrationInterface {
  name = 'CreateInteractions1732233600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE analytics.interactions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        event_id text NOT NULL,
        type text NOT NULL,
        user_key text,
        listing_id uuid,
        session_id text,
        metadata jsonb,
        occurred_at timestamptz(3) NOT NULL
      )`);
    await q.query(`CREATE UNIQUE INDEX interactions_event_id_key ON analytics.interactions (event_id)`);
    await q.query(`CREATE INDEX interactions_occurred_type_idx ON analytics.interactions (occurred_at, type)`);
    await q.query(`CREATE INDEX interactions_user_key_idx ON analytics.interactions (user_key)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE analytics.interactions`);
  }
}
