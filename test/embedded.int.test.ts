import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { generatePrivateJwk } from '#platform/infra/auth/keys';
import { ListingEntity } from '../subgraphs/listings-matching/modules/listing/listing.entity';
import { insertListings, insertUsers } from './helpers/fixtures';
import { startTestStack, type TestStack } from './helpers/stack';
import { sleep, EMBEDDED_START_TIMEOUT_MS } from './helpers/wait';

/** The same stack on the embedded database (PGlite) that `npm start` uses with no DATABASE_URL. */
describe('embedded database', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'hemp-embedded-'));
  let env: Record<string, string>;
  let t: TestStack;

  beforeAll(async () => {
    env = { JWT_PRIVATE_KEYS: JSON.stringify([await generatePrivateJwk()]) };
    t = await startTestStack({ embedded: true, dataDir, env });
  }, EMBEDDED_START_TIMEOUT_MS);

  afterAll(async () => {
    await t?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('serves a query across subgraphs', async () => {
    const sellers = await insertUsers(t.stack, 3);
    await insertListings(t.stack, sellers, 4);
    const res = await t.gql(
      `{ listings(first: 12) { totalCount edges { node { title seller { displayName } } } } dataSources { slug } }`,
    );
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.listings.totalCount).toBe(12);
    expect(res.body.data.listings.edges[0].node.seller.displayName).toMatch(/^Farmer/);
    expect(res.body.data.dataSources).toHaveLength(3);
  });

  it('keeps a rolled-back transaction invisible to one running beside it', async () => {
    const ds = t.stack.subgraphs['listings-matching'].deps.db.dataSource;
    const [seller] = await insertUsers(t.stack, 1);
    const base = (await ds
      .getRepository(ListingEntity)
      .findOneByOrFail({ status: 'ACTIVE' as never })) as ListingEntity;
    const copy = (title: string) => ({ ...base, id: undefined as never, sellerId: seller.id, title });

    let seenByOther = -1;
    const failing = ds
      .transaction(async (m) => {
        await m.getRepository(ListingEntity).insert(copy('isolation-rolled-back'));
        // held open a moment so the other transaction runs while this one is uncommitted: the test is
        // about two transactions overlapping in time, not about waiting for an effect
        await sleep(100);
        throw new Error('roll back');
      })
      .catch((e: Error) => e.message);
    const succeeding = ds.transaction(async (m) => {
      seenByOther = await m.getRepository(ListingEntity).countBy({ title: 'isolation-rolled-back' });
      await m.getRepository(ListingEntity).insert(copy('isolation-committed'));
    });
    expect(await failing).toBe('roll back');
    await succeeding;

    expect(seenByOther).toBe(0);
    expect(await ds.getRepository(ListingEntity).countBy({ title: 'isolation-rolled-back' })).toBe(0);
    expect(await ds.getRepository(ListingEntity).countBy({ title: 'isolation-committed' })).toBe(1);
  });

  it(
    'keeps its data across a restart',
    async () => {
      const before = await t.gql(`{ listings { totalCount } }`);
      await t.stop();
      t = await startTestStack({ embedded: true, dataDir, env });
      const after = await t.gql(`{ listings { totalCount } }`);
      expect(after.body.data.listings.totalCount).toBe(before.body.data.listings.totalCount);
      expect(after.body.data.listings.totalCount).toBeGreaterThan(0);
    },
    EMBEDDED_START_TIMEOUT_MS,
  );
});
