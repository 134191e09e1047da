import 'reflect-metadata';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { load, median, round, type Run } from './load';
import { operationsFor, type Viewers } from './operations';
import { startBenchStack } from './stack';

/**
 * An A/B of two or more gateway settings on one stack: every variant is a gateway of ours in its
 * own process, all on the same subgraphs process and database, and the rounds alternate between
 * them (A B, B A, A B, …), so a change in the machine's speed lands on both. Figures are medians of the
 * rounds: RPS, p95 and CPU ms per request of every process (the variant's gateway, the subgraphs,
 * the PostgreSQL backends).
 *
 *   BENCH_AB='{"with":{},"without":{"ENTITY_CACHE_TTL_MS":"0"}}' \
 *   BENCH_AB_OPS='catalogue (signed-in),listing (signed-in)' BENCH_SCALE=100000 npm run bench:ab
 *
 * Settings: BENCH_AB (variant name → environment of its gateway), BENCH_AB_OPS (operation names of
 * bench/operations.ts), BENCH_SCALE (listings, default 100,000), BENCH_AB_ROUNDS (default 4),
 * BENCH_SECONDS (per run, default 8), BENCH_AB_WARMUP_SECONDS (per variant and operation first,
 * default 10), BENCH_CONNECTIONS (default 50), BENCH_REUSE_DB, BENCH_BASE_PORT.
 * Writes bench/results/ab-<time>.{json,md}.
 */
const VARIANTS = JSON.parse(process.env.BENCH_AB ?? '{"default":{}}') as Record<string, NodeJS.ProcessEnv>;
const OPS = (process.env.BENCH_AB_OPS ?? 'catalogue (signed-in)').split(',').map((s) => s.trim());
const SCALE = Number(process.env.BENCH_SCALE ?? 100_000);
const ROUNDS = Number(process.env.BENCH_AB_ROUNDS ?? 4);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const WARMUP = Number(process.env.BENCH_AB_WARMUP_SECONDS ?? 10);

async function main() {
  const stack = await startBenchStack({
    basePort: Number(process.env.BENCH_BASE_PORT ?? 5600),
    hive: false,
    reuse: process.env.BENCH_REUSE_DB || undefined,
    sellers: 1000,
    buyers: 500,
    firstScale: SCALE,
    variants: VARIANTS,
  });
  const results: Record<string, Record<string, unknown>> = {};
  const lines: string[] = [];
  try {
    await stack.seedTo(SCALE);
    const viewers: Viewers = {
      buyers: await Promise.all(stack.buyerIds.map((id) => stack.token(id, ['BUYER']))),
      sellers: await Promise.all(stack.sellerIds.slice(0, 200).map((id) => stack.token(id, ['SELLER']))),
    };
    const listingIds: string[] = (
      await stack.db.query(
        `SELECT id FROM listings.listings WHERE status = 'ACTIVE' ORDER BY created_at DESC LIMIT 5000`,
      )
    ).map((r: { id: string }) => r.id);
    const ops = operationsFor(SCALE, viewers, listingIds);
    for (const op of OPS) {
      const body = ops[op];
      if (!body) throw new Error(`no operation named "${op}" in bench/operations.ts`);
      const runs: Record<string, Run[]> = {};
      // warm each variant's code paths and caches first
      for (const v of Object.values(stack.variants))
        await load(v.url, body, { seconds: WARMUP, connections: CONNECTIONS });
      for (let i = 0; i < ROUNDS; i++) {
        // A B, then B A: neither variant always runs first after the other
        const order = Object.entries(stack.variants);
        if (i % 2) order.reverse();
        for (const [name, v] of order) {
          await stack.quiesce();
          const r = await load(v.url, body, { seconds: SECONDS, connections: CONNECTIONS, probe: v.probe });
          (runs[name] ??= []).push(r);
          process.stdout.write(
            `${op} ${name} round ${i + 1}: ${r.rps} RPS, p95 ${r.p95} ms, CPU ms/op ${JSON.stringify(r.cpuMsPerOp)}, errors ${r.errors + r.non2xx + r.graphqlErrors}\n`,
          );
        }
      }
      results[op] = {};
      for (const [name, rs] of Object.entries(runs)) {
        const cpu = (k: string) => median(rs.map((r) => r.cpuMsPerOp[k] ?? 0));
        const summary = {
          rps: median(rs.map((r) => r.rps)),
          p95: median(rs.map((r) => r.p95)),
          cpuMsPerOp: { gateway: cpu('gateway'), subgraphs: cpu('subgraphs'), postgres: cpu('postgres') },
          errors: rs.reduce((n, r) => n + r.errors + r.non2xx + r.graphqlErrors, 0),
          rounds: rs,
        };
        results[op][name] = summary;
        const c = summary.cpuMsPerOp;
        lines.push(
          `| ${op} | ${name} | ${summary.rps} | ${summary.p95} | ${round(c.gateway)} / ${round(c.subgraphs)} / ${round(c.postgres)} | ${rs.map((r) => r.rps).join(', ')} | ${summary.errors} |`,
        );
      }
    }
  } finally {
    await stack.stop();
  }
  const stamp = new Date().toISOString().slice(0, 16).replace(':', '');
  const dir = path.join(process.cwd(), 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const settings = {
    variants: VARIANTS,
    scale: SCALE,
    rounds: ROUNDS,
    seconds: SECONDS,
    warmupSeconds: WARMUP,
    connections: CONNECTIONS,
  };
  writeFileSync(
    path.join(dir, `ab-${stamp}.json`),
    JSON.stringify({ date: new Date().toISOString(), settings, results }, null, 2),
  );
  const md = [
    `# A/B of gateway settings, ${new Date().toISOString()}`,
    '',
    `${SCALE.toLocaleString('en')} listings, ${CONNECTIONS} connections, ${ROUNDS} alternating rounds of ${SECONDS} s per variant after ${WARMUP} s of warm-up each (medians). Variants: \`${JSON.stringify(VARIANTS)}\`.`,
    '',
    '| operation | variant | RPS | p95 ms | CPU ms/op gateway / subgraphs / PostgreSQL | RPS per round | errors |',
    '|---|---|---|---|---|---|---|',
    ...lines,
    '',
  ].join('\n');
  writeFileSync(path.join(dir, `ab-${stamp}.md`), md);
  process.stdout.write(`\n${md}`);
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
