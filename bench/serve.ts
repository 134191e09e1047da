import { writeFileSync } from 'node:fs';
import { startBenchStack } from './stack';

/**
 * The scale bench's stack, left running for profiling by hand (node --cpu-prof through
 * BENCH_NODE_OPTIONS, EXPLAIN on the database, autocannon): seeds BENCH_SCALE listings (default
 * 100,000) into BENCH_REUSE_DB (default hemp_bench_serve, kept), writes the URLs, pids and tokens to
 * BENCH_SERVE_OUT (default /tmp/bench-serve.json), and stops on SIGINT or SIGTERM.
 *
 *   npm run build && npx tsc -p tsconfig.bench.json && node dist/bench/bench/serve.js
 */
async function main() {
  const scale = Number(process.env.BENCH_SCALE ?? 100_000);
  const stack = await startBenchStack({
    basePort: Number(process.env.BENCH_BASE_PORT ?? 4900),
    hive: process.env.BENCH_HIVE === 'true',
    reuse: process.env.BENCH_REUSE_DB ?? 'hemp_bench_serve',
    sellers: 1000,
    buyers: 500,
    firstScale: scale,
    env: process.env.BENCH_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_NODE_OPTIONS } : {},
  });
  const seeded = await stack.seedTo(scale);
  const buyers = await Promise.all(stack.buyerIds.slice(0, 100).map((id) => stack.token(id, ['BUYER'])));
  const sellers = await Promise.all(stack.sellerIds.slice(0, 20).map((id) => stack.token(id, ['SELLER'])));
  const out = process.env.BENCH_SERVE_OUT ?? '/tmp/bench-serve.json';
  writeFileSync(
    out,
    JSON.stringify({
      ...seeded,
      db: stack.dbName,
      ours: stack.ours,
      hive: stack.hive,
      pids: stack.pids,
      buyers,
      sellers,
    }),
  );
  process.stdout.write(`serving ${seeded.listings} listings at ${stack.ours}; details in ${out}\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await stack.stop();
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(1);
});
