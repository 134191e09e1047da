import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { backup, restore } from '../scripts/db-backup';
import { createTestDatabase, type TestDatabase } from './helpers/database';
import { insertListings, insertUsers } from './helpers/fixtures';
import { startTestStack, type TestStack } from './helpers/stack';

describe('backup and restore', () => {
  let t: TestStack;
  let target: TestDatabase;
  const dir = mkdtempSync(path.join(tmpdir(), 'hemp-backup-'));

  beforeAll(async () => {
    t = await startTestStack();
    target = await createTestDatabase();
  });
  afterAll(async () => {
    await t?.stop();
    await target?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('restores every service schema into a fresh database, where the stack reads it back', async () => {
    const sellers = await insertUsers(t.stack, 3);
    await insertListings(t.stack, sellers, 4);
    const before = await t.gql(
      '{ listings(first: 100) { totalCount edges { node { id title seller { displayName } } } } }',
    );
    expect(before.body.data.listings.totalCount).toBe(12);

    const file = path.join(dir, 'hemp.dump');
    const { bytes } = await backup(t.config.DATABASE_URL as string, file);
    expect(bytes).toBeGreaterThan(0);
    await restore(target.url, file);

    const client = new Client({ connectionString: target.url });
    await client.connect();
    try {
      const { rows } = await client.query('SELECT count(*)::int AS n FROM listings.listings');
      expect(rows[0].n).toBe(12);
      const migrations = await client.query('SELECT count(*)::int AS n FROM identity.typeorm_migrations');
      expect(migrations.rows[0].n).toBeGreaterThan(0);
    } finally {
      await client.end();
    }

    // the restored database serves the same answer through a whole new stack
    const restored = await startTestStack({
      env: { DATABASE_URL: target.url, JWT_PRIVATE_KEYS: t.config.JWT_PRIVATE_KEYS as string },
    });
    try {
      const after = await restored.gql(
        '{ listings(first: 100) { totalCount edges { node { id title seller { displayName } } } } }',
      );
      expect(after.body).toEqual(before.body);
    } finally {
      await restored.stop();
    }
  });
});
