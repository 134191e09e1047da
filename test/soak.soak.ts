import { Role } from '#platform/infra/schema/shared-types';
import { insertListings, insertUsers } from './helpers/fixtures';
import { startTestStack, type TestStack } from './helpers/stack';

/**
 * `npm run test:soak`: SOAK_SECONDS (default 60) of mixed traffic through the gateway, memory of the
 * process holding the whole stack sampled every 2 s. The live heap after a full GC (what a leak
 * grows) must stay within 10% of its size just after warm-up; RSS is reported beside it (V8 keeps
 * freed pages, so RSS alone rises under load without a leak).
 */
const SECONDS = Number(process.env.SOAK_SECONDS ?? 60);
const WORKERS = Number(process.env.SOAK_WORKERS ?? 10);

let t: TestStack;
afterAll(async () => t?.stop());

it(
  `holds memory steady under ${SECONDS}s of mixed traffic`,
  async () => {
    t = await startTestStack({ env: { LOG_LEVEL: 'warn' } });
    const sellers = await insertUsers(t.stack, 20);
    const listings = await insertListings(t.stack, sellers, 20);
    const buyers = await insertUsers(t.stack, 20, [Role.BUYER]);
    const tokens = await Promise.all(buyers.map((b) => t.tokenFor(b.id, [Role.BUYER])));
    const operations = [
      (i: number) =>
        t.gql(
          '{ listings(first: 20) { totalCount edges { node { id title seller { displayName } socialImpact { score } } } } }',
          {},
          { token: tokens[i % tokens.length] },
        ),
      (i: number) =>
        t.gql('query($id: ID!) { listing(id: $id) { id title pricePerKg { amount } } }', {
          id: listings[i % listings.length].id,
        }),
      (i: number) =>
        t.gql(
          'mutation($input: MatchInput!) { requestMatches(input: $input) { id matches { score } } }',
          { input: { productType: 'HEMP_FIBRE', quantityKg: 50 } },
          { token: tokens[i % tokens.length] },
        ),
      (i: number) =>
        t.gql(
          'mutation($l: ID!, $k: String!) { placeOrder(listingId: $l, quantityKg: 0.5, idempotencyKey: $k) { id } }',
          { l: listings[i % listings.length].id, k: `soak-${i}` },
          { token: tokens[i % tokens.length] },
        ),
      () => t.gql('{ systemHealth { status } dataSources { slug health } }'),
    ];
    const samples: number[] = [];
    const end = Date.now() + SECONDS * 1000;
    let count = 0;
    let failures = 0;
    const rss: number[] = [];
    const gc = (globalThis as { gc?: () => void }).gc;
    const sampler = setInterval(() => {
      gc?.();
      samples.push(process.memoryUsage().heapUsed);
      rss.push(process.memoryUsage().rss);
    }, 2000);
    await Promise.all(
      Array.from({ length: WORKERS }, async (_, w) => {
        while (Date.now() < end) {
          const i = count++;
          const res = await operations[(i + w) % operations.length](i);
          if (res.status >= 500) failures++;
        }
      }),
    );
    clearInterval(sampler);
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const warm = Math.max(1, Math.floor(samples.length / 4));
    const early = median(samples.slice(warm, warm + 3));
    const late = median(samples.slice(-3));
    process.stdout.write(
      `soak: ${count} requests in ${SECONDS}s, heap after GC ${Math.round(early / 2 ** 20)} → ${Math.round(late / 2 ** 20)} MB, ` +
        `RSS ${Math.round(median(rss.slice(warm, warm + 3)) / 2 ** 20)} → ${Math.round(median(rss.slice(-3)) / 2 ** 20)} MB\n`,
    );
    expect(gc).toBeDefined();
    expect(failures).toBe(0);
    expect(late / early).toBeLessThan(1.1);
  },
  (SECONDS + 120) * 1000,
);
