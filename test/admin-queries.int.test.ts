import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { Role } from '#platform/infra/schema/shared-types';
import { deleteInteractions, recordInteraction } from '../subgraphs/analytics/modules/interaction/interaction.store';
import { InteractionType } from '../subgraphs/analytics/modules/interaction/interaction-type';
import { purgeExpired } from '../subgraphs/analytics/modules/privacy/privacy.service';
import { startTestStack, type TestStack } from './helpers/stack';

/**
 * The analytics queries behind the admin console, made cheap for it: a page's price points in one
 * statement, interaction series from the daily rollup (which must say exactly what the log says),
 * and the costly extras of interactionAnalytics only when asked for.
 */
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0 = Date.parse('2026-03-02T00:00:00Z');
const PROVINCES = ['GAUTENG', 'WESTERN_CAPE', 'LIMPOPO'] as const;

describe('admin console queries', () => {
  let t: TestStack;
  let admin: string;
  const db = (): DataSource => t.stack.subgraphs.analytics.deps.db.dataSource;
  const requestStatements = async (query: string, variables: Record<string, unknown>, token?: string) => {
    const before = t.statements('analytics');
    const res = await t.gql(query, variables, { token });
    expect(res.body.errors).toBeUndefined();
    return { data: res.body.data, statements: t.statements('analytics') - before };
  };

  beforeAll(async () => {
    t = await startTestStack();
    admin = await t.tokenFor(randomUUID(), [Role.ADMIN]);
    // 60 listings of two product types over three provinces (every fifth paused), and two current offers
    for (let i = 0; i < 60; i += 1) {
      await db().query(
        `INSERT INTO analytics.listings (listing_id, product_type, province, price_per_kg, quantity_kg, available_kg, status,
                                         created_at, version_at)
         VALUES ($1, $2, $3, $4, 10, 10, $5, now(), now())`,
        [
          randomUUID(),
          i % 2 ? 'HEMP_OIL' : 'CBD_OIL',
          PROVINCES[i % 3],
          50 + ((i * 37) % 200),
          i % 5 ? 'ACTIVE' : 'PAUSED',
        ],
      );
    }
    const [source, run] = [randomUUID(), randomUUID()];
    await db().query(
      `INSERT INTO analytics.source_crawls (data_source_id, crawl_run_id, occurred_at) VALUES ($1, $2, now())`,
      [source, run],
    );
    for (const [province, price] of [
      ['GAUTENG', 400],
      [null, 10],
    ] as const)
      await db().query(
        `INSERT INTO analytics.external_offers (offer_id, data_source_id, crawl_run_id, product_type, province, price_per_kg, quantity_kg, fetched_at)
         VALUES ($1, $2, $3, 'CBD_OIL', $4, $5, 5, now())`,
        [randomUUID(), source, run, province, price],
      );
  }, 120_000);

  afterAll(async () => {
    await t?.stop();
  });

  describe('marketPriceIndex', () => {
    const POINT = `productType province medianPricePerKg { amount } p25 { amount } p75 { amount } sampleSize`;
    const ONE = `query($p: ProductType!, $r: Province) { marketPriceIndex(productType: $p, province: $r) { ${POINT} } }`;

    it('answers every alias of a request in one statement, each as the single lookup answers it', async () => {
      const keys = [
        ['CBD_OIL', null],
        ...PROVINCES.map((p) => ['CBD_OIL', p]),
        ['HEMP_OIL', null],
        ['HEMP_OIL', 'LIMPOPO'],
        ['SEEDLINGS', null], // no data at all
        ['CBD_OIL', 'GAUTENG'], // the same key twice
      ] as const;
      const query = `{ ${keys
        .map(([p, r], i) => `k${i}: marketPriceIndex(productType: ${p}${r ? `, province: ${r}` : ''}) { ${POINT} }`)
        .join('\n')} }`;
      const batched = await requestStatements(query, {});
      expect(batched.statements).toBe(1);
      for (const [i, [p, r]] of keys.entries()) {
        const single = await requestStatements(ONE, { p, r });
        expect(single.statements).toBe(1);
        expect(batched.data[`k${i}`]).toEqual(single.data.marketPriceIndex);
      }
      expect(batched.data.k6).toEqual({
        productType: 'SEEDLINGS',
        province: null,
        medianPricePerKg: { amount: '0.00' },
        p25: { amount: '0.00' },
        p75: { amount: '0.00' },
        sampleSize: 0,
      });
    });

    it('counts ACTIVE listings and current offers only, nationally and per province', async () => {
      const { data } = await requestStatements(
        `{ n: marketPriceIndex(productType: CBD_OIL) { sampleSize p75 { amount } }
           g: marketPriceIndex(productType: CBD_OIL, province: GAUTENG) { sampleSize p75 { amount } } }`,
        {},
      );
      const [[n], [g]] = await Promise.all([
        db().query(
          `SELECT count(*)::int AS n FROM analytics.listings WHERE product_type = 'CBD_OIL' AND status = 'ACTIVE'`,
        ),
        db().query(
          `SELECT count(*)::int AS n FROM analytics.listings WHERE product_type = 'CBD_OIL' AND status = 'ACTIVE' AND province = 'GAUTENG'`,
        ),
      ]);
      // two offers nationally (one has no province), one in Gauteng
      expect(data.n.sampleSize).toBe(n.n + 2);
      expect(data.g.sampleSize).toBe(g.n + 1);
    });
  });

  describe('interactionAnalytics over the rollups', () => {
    const user = 'a'.repeat(64);
    const other = 'b'.repeat(64);
    const SERIES = `query($f: DateTime!, $t: DateTime!, $g: Granularity) { interactionAnalytics(from: $f, to: $t, granularity: $g) {
      series { bucket type count } totals { type count } funnel { searches orders } } }`;
    const types = [InteractionType.SEARCH, InteractionType.LISTING_VIEW, InteractionType.ORDER];

    /** What the log says per bucket, the way the API reports it: every bucket and type of [from, to), 0 when none. */
    async function fromLog(from: Date, to: Date, unit: 'hour' | 'day') {
      const rows: Array<{ b: Date; type: string; n: number }> = await db().query(
        `SELECT date_trunc('${unit}', occurred_at, 'UTC') AS b, type, count(*)::int AS n FROM analytics.interactions
          WHERE occurred_at >= $1 AND occurred_at < $2 GROUP BY 1, 2`,
        [from, to],
      );
      return new Map(rows.map((r) => [`${new Date(r.b).toISOString()}|${r.type}`, r.n]));
    }

    async function expectRollupsMatchLog() {
      for (const unit of ['hour', 'day'] as const) {
        const q = (sql: string) =>
          db()
            .query(sql)
            .then((rows: any[]) => rows.map((r) => `${new Date(r.b).toISOString()}|${r.type}|${r.p}|${r.n}`).sort());
        const table = unit === 'hour' ? 'analytics.interaction_rollup_hourly' : 'analytics.interaction_rollup_daily';
        expect(
          await q(`SELECT bucket AS b, type, product_type AS p, count AS n FROM ${table} WHERE count > 0`),
        ).toEqual(
          await q(`SELECT date_trunc('${unit}', occurred_at, 'UTC') AS b, type, COALESCE(product_type, '') AS p,
                          count(*)::int AS n FROM analytics.interactions GROUP BY 1, 2, 3`),
        );
      }
    }

    beforeAll(async () => {
      // four days of interactions every 97 minutes, most at odd minutes, some on the hour and at midnight
      for (let i = 0; i < 60; i += 1) {
        await recordInteraction(db(), {
          eventId: `admin-queries:${i}`,
          type: types[i % 3],
          userKey: i % 4 ? user : other,
          listingId: null,
          productType: i % 3 === 0 ? 'CBD_OIL' : null,
          sessionId: null,
          metadata: null,
          occurredAt: new Date(T0 + i * 97 * 60_000 + (i % 5 === 0 ? 0 : 13_000)),
        });
      }
      // a second delivery of the same event counts nothing
      await recordInteraction(db(), {
        eventId: 'admin-queries:0',
        type: InteractionType.SEARCH,
        userKey: other,
        listingId: null,
        productType: 'CBD_OIL',
        sessionId: null,
        metadata: null,
        occurredAt: new Date(T0),
      });
    });

    it('keeps the daily rollup equal to the log through writes, an erasure and the retention purge', async () => {
      await expectRollupsMatchLog();
      expect(await deleteInteractions(db(), 'user_key = $1', [other])).toBe(15);
      await expectRollupsMatchLog();
      // a cutoff in the middle of the second day: that day keeps the hours after it (the purge also drops
      // the offers above, long stale by this clock: the price tests have run)
      const now = new Date(T0 + DAY + 13 * HOUR + 400 * DAY);
      const purged = await purgeExpired(db(), 400, now);
      expect(purged.interactions).toBeGreaterThan(0);
      await expectRollupsMatchLog();
      const [{ n }] = await db().query(
        `SELECT count(*)::int AS n FROM analytics.interaction_rollup_daily WHERE bucket < $1`,
        [new Date(T0 + DAY)],
      );
      expect(n).toBe(0); // wholly purged days leave no rows behind
    });

    it('answers day and hour series, with ragged edges, as the log counts them', async () => {
      const ranges: Array<[Date, Date, 'DAY' | 'HOUR']> = [
        [new Date(T0 + 5 * HOUR + 7 * 60_000), new Date(T0 + 3 * DAY + 17 * HOUR + 5 * 60_000), 'DAY'],
        [new Date(T0), new Date(T0 + 4 * DAY), 'DAY'],
        [new Date(T0 + 23 * HOUR + 30 * 60_000), new Date(T0 + DAY + 90 * 60_000), 'DAY'], // no whole day inside
        [new Date(T0 + DAY + 10 * 60_000), new Date(T0 + 2 * DAY + 5 * HOUR + 50 * 60_000), 'HOUR'],
      ];
      for (const [from, to, g] of ranges) {
        const res = await t.gql(SERIES, { f: from.toISOString(), t: to.toISOString(), g }, { token: admin });
        expect(res.body.errors).toBeUndefined();
        const expected = await fromLog(from, to, g === 'DAY' ? 'day' : 'hour');
        const a = res.body.data.interactionAnalytics;
        const got = new Map(
          a.series.filter((p: { count: number }) => p.count > 0).map((p: any) => [`${p.bucket}|${p.type}`, p.count]),
        );
        expect(got).toEqual(expected);
        const total = (type: string) =>
          [...expected].filter(([k]) => k.endsWith(`|${type}`)).reduce((s, [, n]) => s + n, 0);
        expect(a.funnel).toEqual({ searches: total('SEARCH'), orders: total('ORDER') });
      }
    });

    it('runs one statement for series, totals and funnel, and one more per costly extra asked for', async () => {
      const vars = { f: new Date(T0).toISOString(), t: new Date(T0 + 4 * DAY).toISOString(), g: 'DAY' };
      expect((await requestStatements(SERIES, vars, admin)).statements).toBe(1);
      const extras = await requestStatements(
        `query($f: DateTime!, $t: DateTime!, $g: Granularity) { interactionAnalytics(from: $f, to: $t, granularity: $g) {
          funnel { searches } topSearchedProductTypes { productType count } socialImpactOrderShare } }`,
        vars,
        admin,
      );
      expect(extras.statements).toBe(3);
      const [{ n }] = await db().query(
        `SELECT count(*)::int AS n FROM analytics.interactions WHERE type = 'SEARCH' AND product_type = 'CBD_OIL'
            AND occurred_at >= $1 AND occurred_at < $2`,
        [vars.f, vars.t],
      );
      expect(extras.data.interactionAnalytics.topSearchedProductTypes).toEqual([{ productType: 'CBD_OIL', count: n }]);
      expect(extras.data.interactionAnalytics.socialImpactOrderShare).toBe(0);
    });

    it('is still refused to a buyer', async () => {
      const buyer = await t.tokenFor(randomUUID(), [Role.BUYER]);
      const res = await t.gql(
        SERIES,
        { f: new Date(T0).toISOString(), t: new Date(T0 + DAY).toISOString() },
        { token: buyer },
      );
      expect(res.body.data?.interactionAnalytics ?? null).toBeNull();
      expect(res.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    });
  });
});
