import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Pseudonyms of erased users. A trigger drops any interaction written under one afterwards (an
 * event still in flight when the user was erased, a replay of the event log, a client call with a
 * token that has not expired yet), whichever code path writes it.
 */
export class ErasedSubjects1732500000000 implements MigrationInterface {
  name = 'ErasedSubjects1732500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE analytics.erased_subjects (
        user_key text PRIMARY KEY,
        erased_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE FUNCTION analytics.interactions_skip_erased() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.user_key IS NOT NULL AND EXISTS (SELECT 1 FROM analytics.erased_subjects WHERE user_key = NEW.user_key) THEN
          RETURN NULL;
        END IF;
        RETURN NEW;
      END $$`);
    await q.query(`
      CREATE TRIGGER interactions_skip_erased BEFORE INSERT ON analytics.interactions
      FOR EACH ROW EXECUTE FUNCTION analytics.interactions_skip_erased()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER interactions_skip_erased ON analytics.interactions`);
    await q.query(`DROP FUNCTION analytics.interactions_skip_erased()`);
    await q.query(`DROP TABLE analytics.erased_subjects`);
  }
}
