import { readFileSync } from 'node:fs';
import path from 'node:path';
import { buildSchema, parse } from 'graphql';
import { SCHEMA_DIR } from '#platform/infra/paths';
import { priceOperation } from '#platform/infra/http/operation-limits';
import { Role } from '#platform/infra/schema/shared-types';
import { insertListings, insertUsers } from './helpers/fixtures';
import { measurePeak, type MemoryPeak } from './helpers/memory';
import { startTestStack, type TestStack } from './helpers/stack';
import { sleep } from './helpers/wait';

/**
 * The attack from issue 14: three levels of `seller { listings(first: $f) }` with the page size in
 * a variable, 20 copies at once, against a stack with data to fill every level. At f = 100 it once
 * grew a process from 456 MB to 4.5 GB and killed the whole stack. Now every copy is refused before
 * planning; at the largest page size the cost limit admits, every copy is served. Either way every
 * service stays up and this process (gateway and all four subgraphs) stays under the ceilings below.
 */
const RSS_GROWTH_CEILING_MB = 400;
const HEAP_GROWTH_CEILING_MB = 250;
const COPIES = 20;
const NESTED = /* GraphQL */ `
  query Nested($f: Int) {
    listings(first: $f) {
      edges {
        node {
          id
          title
          seller {
            id
            displayName
            listings(first: $f) {
              edges {
                node {
                  id
                  title
                  pricePerKg {
                    amount
                  }
                  seller {
                    id
                    displayName
                    listings(first: $f) {
                      totalCount
                      edges {
                        node {
                          id
                          title
                          description
                          productType
                        }
                      }
                    }
                  }
                }
              }
            }
          }
        }
      }
    }
  }
`;

let t: TestStack;
/** The largest page size the cost limit admits for NESTED. */
let admitted = 1;
const report: Record<string, MemoryPeak & { ms: number; statuses: Record<string, number> }> = {};

beforeAll(async () => {
  t = await startTestStack();
  const sellers = await insertUsers(t.stack, 20, [Role.SELLER]);
  await insertListings(t.stack, sellers, 100);
  const schema = buildSchema(readFileSync(path.join(SCHEMA_DIR, 'api-schema.graphql'), 'utf8'));
  while (priceOperation(schema, parse(NESTED), 'Nested', { f: admitted + 1 }) <= t.config.MAX_QUERY_COST) admitted += 1;
}, 120_000);
afterAll(async () => {
  console.log(`nested-query load (${COPIES} in parallel):\n${JSON.stringify(report, null, 2)}`);
  await t?.stop();
});

async function wave(name: string, f: number) {
  const started = performance.now();
  // The measurement runs until the services are quiet again: work cut off at a deadline still counts.
  const { result, memory } = await measurePeak(async () => {
    const responses = await Promise.all(Array.from({ length: COPIES }, () => t.gql(NESTED, { f })));
    // Work cut off at the deadline may still run until the deadline has passed: the memory peak is
    // measured over that time, so this waits out the time itself (there is no event for "quiet").
    if (responses.some((r) => r.body.errors)) await sleep(t.config.SUBGRAPH_DEADLINE_MS + 1000);
    return responses;
  });
  const statuses: Record<string, number> = {};
  for (const r of result) {
    const key =
      `${r.status} ${r.body.errors?.[0]?.extensions?.code ?? 'ok'} ${r.body.errors?.[0]?.extensions?.reason ?? ''} ${r.body.errors?.[0]?.message?.slice(0, 80) ?? ''}`.trim();
    statuses[key] = (statuses[key] ?? 0) + 1;
  }
  report[name] = { ...memory, ms: Math.round(performance.now() - started), statuses };
  expect(memory.peakRssMb - memory.baselineRssMb).toBeLessThan(RSS_GROWTH_CEILING_MB);
  expect(memory.peakHeapMb - memory.baselineHeapMb).toBeLessThan(HEAP_GROWTH_CEILING_MB);
  return result;
}

async function everyServiceUp() {
  const urls = [t.gatewayUrl, ...Object.values(t.stack.subgraphs).map((s) => s.url)].map((u) =>
    u.replace(/\/graphql$/, '/health'),
  );
  const statuses = await Promise.all(urls.map((u) => fetch(u).then((r) => r.status)));
  expect(statuses).toEqual(urls.map(() => 200));
}

it('20 copies at f = 100 are refused before planning, cheaply', async () => {
  const results = await wave('f=100', 100);
  for (const r of results) {
    expect(r.status).toBe(400);
    expect(r.body.errors?.[0].extensions).toEqual(
      expect.objectContaining({ code: 'BAD_USER_INPUT', reason: 'COST_LIMIT' }),
    );
  }
  await everyServiceUp();
});

it('20 copies at the largest page size the cost limit admits: each served in full, or cut off at its deadline with a coded error', async () => {
  const f = admitted;
  expect(f).toBeGreaterThanOrEqual(5);
  const results = await wave(`f=${f} (largest admitted)`, f);
  for (const r of results) {
    expect(r.status === 200 || r.status === 503).toBe(true);
    if (!r.body.errors) {
      expect(r.body.data.listings.edges).toHaveLength(f);
      expect(r.body.data.listings.edges[0].node.seller.listings.edges[0].node.seller.listings.edges).toHaveLength(f);
    } else {
      // cut off at the gateway's deadline (reason DEADLINE_EXCEEDED), or at a subgraph's (named in serviceName)
      for (const e of r.body.errors) {
        expect(e.extensions?.code).toBe('INTERNAL_SERVER_ERROR');
        expect(e.extensions?.reason === 'DEADLINE_EXCEEDED' || typeof e.extensions?.serviceName === 'string').toBe(
          true,
        );
      }
    }
  }
  await everyServiceUp();
}, 180_000);

it('20 copies one above it are refused', async () => {
  const results = await wave(`f=${admitted + 1} (one above)`, admitted + 1);
  for (const r of results) expect(r.body.errors?.[0].extensions?.reason).toBe('COST_LIMIT');
  await everyServiceUp();
});
