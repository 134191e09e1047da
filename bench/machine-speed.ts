import { createHash } from 'node:crypto';

/**
 * The machine's speed at one moment: the CPU time (not wall time) a fixed piece of work takes in
 * this process, the median of five tries. The work is what a GraphQL service does most (JSON in and
 * out of a catalogue page, a hash over the bytes), so a slower reading means every process of the
 * stack pays more CPU per request for the same code.
 *
 * Why: this kind of machine (shared virtual CPUs) changes speed by about twice within minutes (readings of 96–218 ms on one day), and
 * it shows up as user time, not steal, so CPU per request alone cannot tell a slower machine from
 * dearer code. Read it with the stack idle; compare runs and sizes by it.
 */
const PAGE = JSON.stringify({
  data: {
    listings: {
      totalCount: 123456,
      edges: Array.from({ length: 20 }, (_, i) => ({
        node: {
          id: `2f3f8ba1-5bc1-4e64-a74e-${String(i).padStart(12, '0')}`,
          title: `Greenhouse heritage hemp fibre lot ${i}`,
          pricePerKg: { amount: `${90 + i}.38`, currency: 'ZAR' },
          socialImpact: { score: i / 20, womenOwned: i % 2 === 0 },
          seller: { __typename: 'User', id: `743bc51e-dd70-49cf-9a98-${String(i).padStart(12, '0')}` },
        },
      })),
      pageInfo: { hasNextPage: true, endCursor: 'eyJrIjoxNzMzMDAwMDAwMDAwLCJpZCI6IjJmM2YifQ' },
    },
  },
});

function work(rounds: number): number {
  let n = 0;
  for (let i = 0; i < rounds; i++) {
    const text = JSON.stringify(JSON.parse(PAGE));
    n += createHash('sha256').update(text).digest()[0];
  }
  return n;
}

/** CPU ms of the fixed work (2,000 pages parsed, written and hashed): lower is faster. */
export function machineSpeedMs(): number {
  const tries: number[] = [];
  work(200);
  for (let t = 0; t < 5; t++) {
    const before = process.cpuUsage();
    work(2000);
    const used = process.cpuUsage(before);
    tries.push((used.user + used.system) / 1000);
  }
  tries.sort((a, b) => a - b);
  return Math.round(tries[2] * 10) / 10;
}
