import 'reflect-metadata';
import os from 'node:os';
import { load, median, round, type Body, type Run } from './load';
import { mixedLoad, type MixRun } from './mix';
import { MARKETPLACE_MIX, operationsFor, peerModes, type Viewers } from './operations';
import { writeScaleResults } from './scale-report';
import { ONE_HOST_PRIORITY_OTHERS, startBenchStack, type BenchStack } from './stack';
import { cpuDelta, type CpuProbe } from './cpu';
import { machineSpeedMs } from './machine-speed';

/**
 * The cost of each operation as the catalogue grows: 10k, 100k and 1M listings (BENCH_SCALES), 50
 * connections, the production layout (bench/stack.ts: the four subgraphs in one process, the
 * gateway in another, Hive Gateway in a third, real PostgreSQL). For every load run it reads the
 * CPU time of every process from /proc — the gateway (or Hive, with its workers), the subgraphs
 * process and the PostgreSQL backends serving the bench database — and divides by the requests
 * completed. Each operation runs as an anonymous and as a signed-in viewer where both mean something.
 *
 * Bodies are unique per request in "fair" mode (a variable that changes nothing the catalogue
 * returns), so no gateway can share a subgraph call between requests; "dedupe" mode sends one body
 * again and again, which is where in-flight deduplication and our response cache work. The fair
 * Hive comparison is the headline; dedupe is reported apart.
 *
 *   BENCH_ONLY=scale npm run bench                  (this one; writes latest.json and latest.md too)
 *   BENCH_SCALES=10000 BENCH_SECONDS=3 BENCH_ONLY=scale npm run bench   (a quick look)
 *
 * Settings: BENCH_SCALES (comma-separated listing counts, ascending), BENCH_SECONDS (per load run),
 * BENCH_CONNECTIONS, BENCH_PEER_ROUNDS, BENCH_HIVE=false (skip Hive), BENCH_OPS (names starting so),
 * BENCH_BASE_PORT, BENCH_REUSE_DB=<name> (keep the seeded database between runs: 1M is seeded once),
 * BENCH_SLOW_SECONDS (requestMatches and the mixed run last at least this long, default 15).
 * BENCH_WARMUP_SECONDS (every operation at once before the first size is measured, default 20).
 * BENCH_SCALE_WARMUP_SECONDS (the same after seeding each further size, default 10).
 * BENCH_GATEWAY_WORKERS=N runs our gateway as N workers (GATEWAY_WORKERS, with Redis at BENCH_REDIS_URL).
 * BENCH_OPS=mixed runs only the mixed run (MARKETPLACE_MIX in operations.ts: every operation at once).
 */

const SCALES = (process.env.BENCH_SCALES ?? '10000,100000,1000000')
  .split(',')
  .map((s) => Number(s.trim()))
  .filter((n) => n > 0)
  .sort((a, b) => a - b);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const PEER_ROUNDS = Number(process.env.BENCH_PEER_ROUNDS ?? 2);
const WITH_HIVE = process.env.BENCH_HIVE !== 'false';
const OPS = process.env.BENCH_OPS?.split(',')
  .map((s) => s.trim())
  .filter(Boolean);
const SLOW_SECONDS = Number(process.env.BENCH_SLOW_SECONDS ?? 15);
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 20);
/**
 * Every operation at once again after seeding each further size: the listings just loaded are not
 * yet in PostgreSQL's buffers, and a cold first run at 1M read them at 1.07–1.11 ms of PostgreSQL
 * CPU per signed-in catalogue request where the same stack, warm, needs 0.7–0.8.
 */
const SCALE_WARMUP_SECONDS = Number(process.env.BENCH_SCALE_WARMUP_SECONDS ?? 10);
const SELLERS = 1000;
const BUYERS = 500;

function databaseTransport(url: string): string {
  const u = new URL(url);
  const socket = u.searchParams.get('host');
  return socket?.startsWith('/') ? `unix socket ${socket}` : `tcp ${u.host}`;
}

const run = (url: string, body: Body, probe: CpuProbe | null, seconds = SECONDS) =>
  load(url, body, { seconds, connections: CONNECTIONS, probe });

async function viewersOf(stack: BenchStack): Promise<Viewers> {
  return {
    buyers: await Promise.all(stack.buyerIds.map((id) => stack.token(id, ['BUYER']))),
    sellers: await Promise.all(stack.sellerIds.slice(0, 200).map((id) => stack.token(id, ['SELLER']))),
  };
}

/** Interleaved rounds of ours and Hive per mode; figures are medians of the rounds. */
async function comparePeers(stack: BenchStack, viewers: Viewers, scale: number) {
  const peer: Record<string, unknown> = {};
  if (!stack.hive || !stack.probeHive) return peer;
  const modes = peerModes(viewers);
  // Ours without the entity cache, which Hive lacks: both make the same subgraph calls.
  const ours = stack.peer ?? { url: stack.ours, probe: stack.probeOurs };
  await run(stack.hive, modes['fair, signed-in (unique bodies and tokens)'], null, 2);
  await run(ours.url, modes['fair, signed-in (unique bodies and tokens)'], null, 2);
  for (const [mode, body] of Object.entries(modes)) {
    const rounds = { ours: [] as Run[], hive: [] as Run[] };
    for (let i = 0; i < PEER_ROUNDS; i++) {
      await stack.quiesce();
      rounds.ours.push(await run(ours.url, body, ours.probe));
      await stack.quiesce();
      rounds.hive.push(await run(stack.hive, body, stack.probeHive));
    }
    const med = (rs: Run[], f: (x: Run) => number) => median(rs.map(f));
    const oursRps = med(rounds.ours, (x) => x.rps);
    const hiveRps = med(rounds.hive, (x) => x.rps);
    const summary = {
      oursRps,
      hiveRps,
      ratio: round(oursRps / Math.max(1, hiveRps), 3),
      oursP95: med(rounds.ours, (x) => x.p95),
      hiveP95: med(rounds.hive, (x) => x.p95),
      oursGatewayCpuMsPerOp: med(rounds.ours, (x) => x.cpuMsPerOp.gateway ?? 0),
      hiveGatewayCpuMsPerOp: med(rounds.hive, (x) => x.cpuMsPerOp.gateway ?? 0),
    };
    peer[mode] = { ...summary, rounds };
    process.stdout.write(
      `${scale} peer ${mode}: ours ${oursRps} vs Hive ${hiveRps} RPS (×${summary.ratio}); gateway CPU ms/op ${summary.oursGatewayCpuMsPerOp} vs ${summary.hiveGatewayCpuMsPerOp}\n`,
    );
  }
  return peer;
}

/** The machine's speed with the stack idle (bench/machine-speed.ts), logged beside the size. */
async function readMachineSpeed(stack: BenchStack, scale: number, when: 'before' | 'after'): Promise<number> {
  await stack.quiesce();
  const ms = machineSpeedMs();
  process.stdout.write(`${scale} machine speed ${when}: ${ms} ms of CPU for the fixed work\n`);
  return ms;
}

/**
 * CPU ms per second of every process with no load at all, over `seconds`: background work (event
 * consumers, timers, the other gateways, anything outside the bench) that the runs after it would
 * count against their requests.
 */
async function idleCpu(stack: BenchStack, scale: number, seconds = 5): Promise<Record<string, number>> {
  await stack.quiesce();
  const before = await stack.probeOurs.snapshot();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const used = cpuDelta(before, await stack.probeOurs.snapshot());
  const perSecond = Object.fromEntries(Object.entries(used).map(([k, v]) => [k, round(v / seconds, 1)]));
  process.stdout.write(`${scale} idle CPU ms per second: ${JSON.stringify(perSecond)}\n`);
  return perSecond;
}

async function main() {
  const started = Date.now();
  const results: any = {
    date: new Date().toISOString(),
    machine: {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model,
      memoryGb: round(os.totalmem() / 2 ** 30, 1),
      node: process.version,
      loadAverageAtStart: os.loadavg(),
    },
    settings: {
      scales: SCALES,
      secondsPerRun: SECONDS,
      requestMatchesSeconds: Math.max(SECONDS, SLOW_SECONDS),
      connections: CONNECTIONS,
      peerRounds: PEER_ROUNDS,
      sellers: SELLERS,
      buyers: BUYERS,
      hive: WITH_HIVE,
      reusedDatabase: process.env.BENCH_REUSE_DB ?? null,
      gatewayWorkers: Number(process.env.BENCH_GATEWAY_WORKERS ?? 1),
      warmupSeconds: WARMUP_SECONDS,
      scaleWarmupSeconds: SCALE_WARMUP_SECONDS,
      priorityOthers: Number(ONE_HOST_PRIORITY_OTHERS),
      // How the services reach PostgreSQL: a Unix socket directory (DATABASE_URL ?host=/…) or host:port.
      database: databaseTransport(process.env.DATABASE_URL ?? 'postgres://127.0.0.1:5432'),
    },
    scales: [] as any[],
  };
  const stack = await startBenchStack({
    basePort: Number(process.env.BENCH_BASE_PORT ?? 4800),
    hive: WITH_HIVE,
    reuse: process.env.BENCH_REUSE_DB || undefined,
    sellers: SELLERS,
    buyers: BUYERS,
    firstScale: SCALES[0],
    withoutPriority: !OPS || OPS.includes('mixed'),
    peerWithoutEntityCache: WITH_HIVE,
  });
  try {
    // The database server's memory for pages: at 1M listings the catalogue and its indexes (1.7 GB)
    // outgrow PostgreSQL's default 128 MB, and every page read past it is a system call.
    results.settings.sharedBuffers = (await stack.db.query(`SHOW shared_buffers`))[0].shared_buffers;
    const viewers = await viewersOf(stack);
    for (const scale of SCALES) {
      const seeded = await stack.seedTo(scale);
      process.stdout.write(`${scale} listings ready (${seeded.seconds} s seeding)\n`);
      const listingIds: string[] = (
        await stack.db.query(
          `SELECT id FROM listings.listings WHERE status = 'ACTIVE' ORDER BY created_at DESC LIMIT 5000`,
        )
      ).map((r: { id: string }) => r.id);
      const ops = operationsFor(scale, viewers, listingIds);
      // Warm up every operation's code paths, plans, pools and caches: a stack's first minutes are
      // slower (JIT, prepared statements per connection, verified tokens), and without this the
      // first size measured a cold stack (a fresh stack at 1M alone: 522 against 695 anonymous RPS).
      const warmParts = Object.entries(MARKETPLACE_MIX).map(([name, weight]) => ({ name, weight, body: ops[name] }));
      await mixedLoad(stack.ours, warmParts, {
        seconds: scale === SCALES[0] ? WARMUP_SECONDS : SCALE_WARMUP_SECONDS,
        connections: CONNECTIONS,
        probe: null,
      });
      const speedBefore = await readMachineSpeed(stack, scale, 'before');
      const idleCpuMsPerSecond = await idleCpu(stack, scale);
      const operations: Record<string, Run> = {};
      for (const [name, body] of Object.entries(ops)) {
        if (OPS && !OPS.some((o) => name.startsWith(o))) continue;
        await stack.quiesce();
        // requestMatches takes seconds at 1M under 50 connections: a short run would complete none.
        const seconds = name.startsWith('requestMatches') ? Math.max(SECONDS, SLOW_SECONDS) : SECONDS;
        const r = (operations[name] = await run(stack.ours, body, stack.probeOurs, seconds));
        process.stdout.write(
          `${scale} ${name}: ${r.rps} RPS, p95 ${r.p95} ms, CPU ms/op ${JSON.stringify(r.cpuMsPerOp)}, errors ${r.errors + r.non2xx + r.graphqlErrors}\n`,
        );
      }
      let mixed: MixRun | undefined;
      let mixedWithoutPriority: MixRun | undefined;
      if (!OPS || OPS.includes('mixed')) {
        const parts = Object.entries(MARKETPLACE_MIX).map(([name, weight]) => ({ name, weight, body: ops[name] }));
        const mix = async (label: string, url: string, probe: CpuProbe) => {
          await stack.quiesce();
          const m = await mixedLoad(url, parts, {
            seconds: Math.max(SECONDS, SLOW_SECONDS),
            connections: CONNECTIONS,
            probe,
          });
          process.stdout.write(
            `${scale} ${label}: ${m.rps} RPS, CPU ms/op ${JSON.stringify(m.cpuMsPerOp)}, p95 ${Object.entries(
              m.operations,
            )
              .map(([n, o]) => `${n} ${o.p95}`)
              .join(', ')}\n`,
          );
          return m;
        };
        mixed = await mix('mixed', stack.ours, stack.probeOurs);
        // The same load through a gateway of ours without priority: what serving searches, match
        // requests and orders first costs the rest, and what it buys them.
        if (stack.withoutPriority) {
          // That gateway serves nothing else: warm its code paths first, as the first size's warm-up did ours.
          await mixedLoad(stack.withoutPriority.url, parts, {
            seconds: scale === SCALES[0] ? WARMUP_SECONDS : SCALE_WARMUP_SECONDS,
            connections: CONNECTIONS,
            probe: null,
          });
          mixedWithoutPriority = await mix(
            'mixed without priority',
            stack.withoutPriority.url,
            stack.withoutPriority.probe,
          );
        }
      }
      const peer = await comparePeers(stack, viewers, scale);
      const speedAfter = await readMachineSpeed(stack, scale, 'after');
      results.scales.push({
        listings: scale,
        seedSeconds: seeded.seconds,
        machineSpeedMs: { before: speedBefore, after: speedAfter },
        idleCpuMsPerSecond,
        operations,
        mixed,
        mixedWithoutPriority,
        peer,
      });
      results.totalSeconds = Math.round((Date.now() - started) / 1000);
      // Written after every scale, so a cut run still leaves what it measured.
      writeScaleResults(results);
    }
  } finally {
    await stack.stop();
  }
}

main().catch((err) => {
  process.stderr.write(`scale bench failed: ${(err as Error).stack}\n`);
  process.exit(1);
});
