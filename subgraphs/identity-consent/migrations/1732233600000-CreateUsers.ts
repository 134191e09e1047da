import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateUsers1732233600000 implements MigrationInterface {
  name = 'CreateUsers1732233600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE identity.users (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        email text NOT NULL,
        display_name text NOT NULL,
        roles text[] NOT NULL,
        province text,
        password_hash text NOT NULL,
        created_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX users_email_key ON identity.users (email)`);
    await q.query(`CREATE INDEX users_created_at_id_idx ON identity.users (created_at DESC, id DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE identity.users`);
  }
}
