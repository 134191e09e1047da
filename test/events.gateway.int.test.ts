import { randomBytes, randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { Role } from '#platform/infra/schema/shared-types';
import { pseudonymise } from '../subgraphs/analytics/modules/interaction/pseudonym';
import { insertListings, insertUsers } from './helpers/fixtures';
import { startTestStack, type TestStack } from './helpers/stack';
import { waitFor } from './helpers/wait';
import { runEventsCli } from '../scripts/events';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

interface InteractionRow {
  event_id: string;
  type: string;
  user_key: string | null;
  listing_id: string | null;
  metadata: any;
}

function interactions(t: TestStack, type: string): Promise<InteractionRow[]> {
  return t.stack.subgraphs.analytics.deps.db.dataSource.query(
    `SELECT event_id, type, user_key, listing_id, metadata FROM analytics.interactions WHERE type = $1 ORDER BY occurred_at`,
    [type],
  );
}

/** The same scenario on both transports: a read through the gateway ends up in analytics. */
function endToEnd(transport: string, env: () => Record<string, string>) {
  describe(`through the gateway on the ${transport} transport`, () => {
    let t: TestStack;
    let sellers: Awaited<ReturnType<typeof insertUsers>>;
    let listingIds: string[];

    beforeAll(async () => {
      t = await startTestStack({ env: { EVENTS_POLL_MS: '20', ...env() } });
      sellers = await insertUsers(t.stack, 2);
      listingIds = (await insertListings(t.stack, sellers, 3)).map((l) => l.id);
    });

    afterAll(async () => {
      await t?.stop();
    });

    it('records a LISTING_VIEW under the viewer’s pseudonym when listing(id) returns a listing', async () => {
      const buyerId = sellers[1].id;
      const token = await t.tokenFor(buyerId, [Role.BUYER]);
      const res = await t.gql(`query ($id: ID!) { listing(id: $id) { id title } }`, { id: listingIds[0] }, { token });
      expect(res.body.errors).toBeUndefined();
      expect(res.body.data.listing.id).toBe(listingIds[0]);

      const [row] = await waitFor(
        async () => {
          const rows = await interactions(t, 'LISTING_VIEW');
          return rows.length ? rows : undefined;
        },
        { what: 'a LISTING_VIEW interaction' },
      );
      expect(row.listing_id).toBe(listingIds[0]);
      expect(row.user_key).toBe(pseudonymise(t.config.PSEUDONYM_SECRET, buyerId));
      expect(row.user_key).not.toContain(buyerId);
    });

    it('records nothing for a listing(id) that returns null', async () => {
      const before = (await interactions(t, 'LISTING_VIEW')).length;
      const res = await t.gql(`query ($id: ID!) { listing(id: $id) { id } }`, {
        id: '00000000-0000-4000-8000-000000000000',
      });
      expect(res.body.data.listing).toBeNull();
      // A view that does record proves the pipeline ran past the null one.
      await t.gql(`query ($id: ID!) { listing(id: $id) { id } }`, { id: listingIds[1] });
      const rows = await waitFor(
        async () => {
          const r = await interactions(t, 'LISTING_VIEW');
          return r.length > before ? r : undefined;
        },
        { what: 'the second view' },
      );
      expect(rows.slice(before).map((r) => r.listing_id)).toEqual([listingIds[1]]);
      expect(rows[rows.length - 1].user_key).toBeNull();
    });

    it('records a SEARCH with the criteria and the result count from listings(filter)', async () => {
      const res = await t.gql(
        `{ listings(first: 2, filter: { minPricePerKg: "1.00" }, sort: PRICE_ASC) { totalCount } }`,
      );
      expect(res.body.errors).toBeUndefined();
      const [row] = await waitFor(
        async () => {
          const rows = await interactions(t, 'SEARCH');
          return rows.length ? rows : undefined;
        },
        { what: 'a SEARCH interaction' },
      );
      expect(row.metadata).toEqual({ criteria: { minPricePerKg: '1.00', sort: 'PRICE_ASC' }, resultCount: 6 });
      expect(row.user_key).toBeNull();
    });

    it('rebuilds lost interactions with `events replay` for the analytics consumer', async () => {
      const since = new Date(Date.now() - 60_000).toISOString();
      const before = await t.stack.subgraphs.analytics.deps.db.dataSource.query(
        `SELECT event_id FROM analytics.interactions ORDER BY event_id`,
      );
      expect(before.length).toBeGreaterThanOrEqual(3);
      await t.stack.subgraphs.analytics.deps.db.dataSource.query(`DELETE FROM analytics.interactions`);
      const out: string[] = [];
      const err: string[] = [];
      const code = await runEventsCli(
        ['replay', '--consumer', 'analytics.interactions', '--since', since],
        { NODE_ENV: 'test', LOG_LEVEL: 'silent', DATABASE_URL: t.config.DATABASE_URL, ...env() },
        {
          out: (s) => out.push(s),
          err: (s) => err.push(s),
        },
      );
      expect(err.join('')).toBe('');
      expect(code).toBe(0);
      const result = JSON.parse(out.join(''));
      expect(result).toMatchObject({ consumer: 'analytics.interactions', applied: before.length, deadLetter: 0 });
      expect(
        await t.stack.subgraphs.analytics.deps.db.dataSource.query(
          `SELECT event_id FROM analytics.interactions ORDER BY event_id`,
        ),
      ).toEqual(before);
    });

    it('lists dead letters and gives them a fresh set of attempts with `events requeue-dead-letters`', async () => {
      const analytics = t.stack.subgraphs.analytics.deps.db.dataSource;
      const event = {
        id: randomUUID(),
        type: 'listing.viewed',
        version: 1,
        source: 'listings-matching',
        aggregateType: 'listing',
        aggregateId: listingIds[2],
        occurredAt: new Date().toISOString(),
        payload: { listingId: listingIds[2], sellerId: sellers[0].id, viewerId: null },
      };
      // As if it had failed five times while analytics' database was unhealthy.
      await analytics.query(
        `INSERT INTO analytics.dead_letters (consumer, event_id, type, event, attempts, error) VALUES ('analytics.interactions', $1, 'listing.viewed', $2::jsonb, 5, 'Error: connection reset')`,
        [event.id, JSON.stringify(event)],
      );
      const cli = async (...argv: string[]) => {
        const out: string[] = [];
        const code = await runEventsCli(
          argv,
          { NODE_ENV: 'test', LOG_LEVEL: 'silent', DATABASE_URL: t.config.DATABASE_URL, ...env() },
          { out: (s) => out.push(s), err: (s) => out.push(s) },
        );
        return { code, out: out.join('') };
      };
      const listed = await cli('dead-letters', '--consumer', 'analytics.interactions');
      expect(listed.code).toBe(0);
      expect(JSON.parse(listed.out)).toEqual([
        expect.objectContaining({ event_id: event.id, attempts: 5, error: 'Error: connection reset' }),
      ]);
      const requeued = await cli('requeue-dead-letters', '--consumer', 'analytics.interactions');
      expect(JSON.parse(requeued.out)).toEqual({ consumer: 'analytics.interactions', requeued: 1 });
      // The running consumer picks it up from its retry table.
      await waitFor(
        async () =>
          (await analytics.query(`SELECT 1 FROM analytics.interactions WHERE event_id = $1`, [event.id])).length === 1,
        {
          what: 'the requeued event to be applied',
        },
      );
      expect(await analytics.query(`SELECT * FROM analytics.dead_letters`)).toEqual([]);
    });

    it('refuses a replay without a valid --since or with an unknown consumer', async () => {
      const io = { out: () => undefined, err: () => undefined };
      const base = { NODE_ENV: 'test', DATABASE_URL: t.config.DATABASE_URL, ...env() };
      expect(
        await runEventsCli(['replay', '--consumer', 'analytics.interactions', '--since', 'yesterday'], base, io),
      ).toBe(2);
      expect(
        await runEventsCli(['replay', '--consumer', 'nobody', '--since', new Date().toISOString()], base, io),
      ).toBe(2);
    });

    it('exposes outbox and consumer figures at /metrics', async () => {
      const lm = await fetch(t.stack.subgraphs['listings-matching'].url.replace(/\/graphql$/, '/metrics')).then((r) =>
        r.text(),
      );
      expect(lm).toMatch(/events_published_total\{[^}]*type="listing.viewed"[^}]*\} \d+/);
      expect(lm).toMatch(/events_outbox_pending(\{[^}]*\})? \d+/);
      expect(lm).toMatch(/events_outbox_lag_seconds(\{[^}]*\})? [\d.]+/);
      const an = await fetch(t.stack.subgraphs.analytics.url.replace(/\/graphql$/, '/metrics')).then((r) => r.text());
      expect(an).toMatch(
        /events_consumed_total\{[^}]*consumer="analytics.interactions"[^}]*outcome="applied"[^}]*\} \d+/,
      );
      expect(an).toMatch(/events_consumer_lag\{[^}]*consumer="analytics.interactions"[^}]*\} \d+/);
      expect(an).toMatch(/events_dead_letters\{[^}]*consumer="analytics.interactions"[^}]*\} 0/);
    });
  });
}

endToEnd('PostgreSQL', () => ({}));

const prefix = `test:${randomBytes(4).toString('hex')}:`;
endToEnd('Redis', () => ({ REDIS_URL, EVENTS_REDIS_PREFIX: prefix }));

afterAll(async () => {
  const redis = new Redis(REDIS_URL);
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length) await redis.del(...keys);
  await redis.quit();
});
