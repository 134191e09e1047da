import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT } from '#platform/infra/paths';
import { scaleSection } from './scale-report';

/**
 * `npm run bench`: every benchmark one after the other (never two at once: they would measure each
 * other), then bench/results/latest.json and latest.md with the machine, versions and date.
 * BENCH_ONLY=gateway,matching runs a subset; the others' last results are reported as they were.
 */
const BENCHES: Array<{ name: string; file: string; script: string }> = [
  { name: 'scale', file: 'scale.json', script: 'dist/bench/bench/scale.bench.js' },
  { name: 'gateway', file: 'gateway.json', script: 'dist/bench/bench/gateway.bench.js' },
  { name: 'matching', file: 'matching.json', script: 'dist/bench/bench/matching.bench.js' },
  { name: 'analytics', file: 'analytics.json', script: 'dist/bench/bench/analytics.bench.js' },
  { name: 'normalisation', file: 'normalisation.json', script: 'dist/bench/bench/normalisation.bench.js' },
  { name: 'events', file: 'events.json', script: 'dist/bench/bench/events.bench.js' },
];

const RESULTS = path.join(PROJECT_ROOT, 'bench', 'results');
const only = process.env.BENCH_ONLY?.split(',').map((s) => s.trim());

/** The date a results file says it was measured (the benches name the field differently). */
function measuredAt(result: unknown): string {
  const r = result as Record<string, unknown> | undefined;
  const at = r?.date ?? r?.at ?? r?.measuredAt;
  return typeof at === 'string' ? at.slice(0, 10) : '—';
}

function version(pkg: string): string {
  try {
    return (
      JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'node_modules', pkg, 'package.json'), 'utf8')) as {
        version: string;
      }
    ).version;
  } catch {
    return 'n/a';
  }
}

const get = (o: any, p: string) => p.split('.').reduce((x, k) => (x == null ? undefined : x[k]), o);
const fmt = (v: unknown) =>
  v === undefined || v === null ? '—' : typeof v === 'number' ? String(Math.round(v * 100) / 100) : String(v);

function main() {
  const ran: Record<string, { ok: boolean; seconds: number; error?: string }> = {};
  for (const bench of BENCHES) {
    if (only && !only.includes(bench.name)) continue;
    if (!existsSync(path.join(PROJECT_ROOT, bench.script))) {
      ran[bench.name] = { ok: false, seconds: 0, error: 'not built' };
      continue;
    }
    process.stdout.write(`\n== ${bench.name}\n`);
    const started = Date.now();
    try {
      execFileSync(process.execPath, [bench.script], { cwd: PROJECT_ROOT, stdio: 'inherit', env: process.env });
      ran[bench.name] = { ok: true, seconds: Math.round((Date.now() - started) / 1000) };
    } catch (err) {
      ran[bench.name] = {
        ok: false,
        seconds: Math.round((Date.now() - started) / 1000),
        error: (err as Error).message.slice(0, 300),
      };
    }
  }

  const results: Record<string, unknown> = {};
  for (const bench of BENCHES) {
    const file = path.join(RESULTS, bench.file);
    if (existsSync(file)) results[bench.name] = JSON.parse(readFileSync(file, 'utf8'));
  }
  const latest = {
    date: new Date().toISOString(),
    machine: {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model,
      memoryGb: Math.round(os.totalmem() / 2 ** 30),
      node: process.version,
      loadAverage: os.loadavg(),
    },
    versions: {
      '@apollo/gateway': version('@apollo/gateway'),
      '@apollo/server': version('@apollo/server'),
      '@graphql-hive/gateway': version('@graphql-hive/gateway'),
      graphql: version('graphql'),
      typeorm: version('typeorm'),
      pg: version('pg'),
    },
    ran,
    results,
  };
  writeFileSync(path.join(RESULTS, 'latest.json'), JSON.stringify(latest, null, 2) + '\n');

  const g = results.gateway as any;
  const rows: Array<[string, unknown, string, unknown]> = [
    ['Gateway tax (gateway RPS ÷ direct RPS, one subgraph, unique bodies)', get(g, 'gatewayTax.ratio'), '≥ 0.6', g],
    ['Catalogue RPS (50 connections, unique token and body each)', get(g, 'catalogue.rps'), '', g],
    [
      'Catalogue p50 / p95 / p99 ms',
      [get(g, 'catalogue.p50'), get(g, 'catalogue.p95'), get(g, 'catalogue.p99')].map(fmt).join(' / '),
      'p95 < 50',
      g,
    ],
    [
      "Ours ÷ Hive Gateway RPS (catalogue, interleaved, unique token and body each, as the scale bench's fair mode)",
      get(g, 'peerComparison.ratio'),
      '',
      g,
    ],
    [
      'SQL statements per catalogue op, N = 1 / 10 / 100',
      ['N=1', 'N=10', 'N=100'].map((n) => fmt(get(g, `perOperation.${n}.sqlStatements`))).join(' / '),
      'flat',
      g,
    ],
    [
      'Subgraph requests per catalogue op, N = 1 / 10 / 100',
      ['N=1', 'N=10', 'N=100'].map((n) => fmt(get(g, `perOperation.${n}.subgraphRequests`))).join(' / '),
      'flat',
      g,
    ],
    [
      'Peak RSS MB: subgraphs / gateway / Hive',
      ['subgraphs', 'gateway', 'hive'].map((k) => fmt(get(g, `peakRssMb.${k}`))).join(' / '),
      '',
      g,
    ],
    [
      'requestMatches p95 ms at 100k listings (through the gateway, one request at a time)',
      get(results.matching, 'requestMatches.gatewaySequential.p95Ms'),
      '< 100',
      results.matching,
    ],
    [
      'interactionAnalytics p95 ms at 1M interactions (30 days, DAY)',
      get(results.analytics, 'day30.p95Ms') ?? get(results.analytics, 'results.day30.p95Ms'),
      '< 1000',
      results.analytics,
    ],
    [
      'Search (text + filters) p95 ms at 100k listings (one request at a time)',
      get(results.matching, 'search.gatewaySequential.p95Ms'),
      '',
      results.matching,
    ],
    [
      'Normalisation offers/s',
      get(results.normalisation, 'normalisation.offersPerSecond'),
      '≥ 10,000',
      results.normalisation,
    ],
    [
      'Events/s (PostgreSQL / Redis)',
      [
        get(results.events, 'postgres.throughput.eventsPerSecond'),
        get(results.events, 'redis.throughput.eventsPerSecond'),
      ]
        .map(fmt)
        .join(' / '),
      '',
      results.events,
    ],
    [
      'Event delivery p95 ms (PostgreSQL / Redis)',
      [get(results.events, 'postgres.latencyMs.p95'), get(results.events, 'redis.latencyMs.p95')].map(fmt).join(' / '),
      '',
      results.events,
    ],
  ];
  const md = [
    `# Benchmark results`,
    '',
    `${latest.date} · ${latest.machine.cpus} × ${latest.machine.cpuModel} · ${latest.machine.memoryGb} GiB · Node ${latest.machine.node} · load ${latest.machine.loadAverage.map((l) => l.toFixed(1)).join(' ')}`,
    '',
    `Versions: ${Object.entries(latest.versions)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
    '',
    ...scaleSection(results.scale as any),
    '## Other measures',
    '',
    'Each row is read from its own results file and dated by the run that wrote it: rows from a bench',
    "not run this time are older than the header's date and may predate later changes.",
    '',
    '| measure | value | target | measured |',
    '|---|---|---|---|',
    ...rows.map(([k, v, t, source]) => `| ${k} | ${fmt(v)} | ${t} | ${measuredAt(source)} |`),
    '',
    `Raw figures per benchmark: bench/results/<name>.json. Benchmarks run: ${
      Object.entries(ran)
        .map(([k, v]) => `${k} ${v.ok ? 'ok' : `failed (${v.error})`} in ${v.seconds}s`)
        .join(', ') || 'none (results from earlier runs)'
    }.`,
    '',
  ].join('\n');
  writeFileSync(path.join(RESULTS, 'latest.md'), md);
  process.stdout.write(`\n${md}`);
  if (Object.values(ran).some((r) => !r.ok)) process.exitCode = 1;
}

main();
