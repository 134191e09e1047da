import 'reflect-metadata';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '#platform/infra/config';
import { PROJECT_ROOT } from '#platform/infra/paths';
import { startSubgraph } from '#platform/infra/service/subgraph';
import type { ResilientHttpClient } from '../subgraphs/external-sources/modules/connector/http-client';
import { HempSuppliersNetworkConnector } from '../subgraphs/external-sources/modules/connector/hemp-suppliers-network.connector';
import { SaCannabisExchangeConnector } from '../subgraphs/external-sources/modules/connector/sa-cannabis-exchange.connector';
import { RegulatoryRegistryConnector } from '../subgraphs/external-sources/modules/connector/regulatory-registry.connector';
import { DataSourceEntity } from '../subgraphs/external-sources/modules/data-source/data-source.entity';
import { externalRuntime } from '../subgraphs/external-sources/runtime';
import { externalSourcesSubgraph } from '../subgraphs/external-sources/server';
import { generateDatasets } from '../subgraphs/external-sources/simulators/datasets';
import { startSimulators } from '../subgraphs/external-sources/simulators';
import { createTestDatabase } from '../test/helpers/database';

/**
 * Normalisation throughput (records/s per source, target ≥ 10,000 offers/s) and the duration of a
 * full crawl of the three simulators into PostgreSQL (first crawl: inserts; re-crawls: upserts).
 * `npm run bench:normalisation` → bench/results/normalisation.json
 */
const ROUNDS = 5;
const CRAWLS = 3;

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function normalisationThroughput() {
  const data = generateDatasets('bench-seed', { registry: 10_000, hsn: 20_000, exchange: 20_000 });
  const http = {} as ResilientHttpClient;
  const base = () => 'http://unused.invalid';
  const cases = [
    {
      slug: 'hemp-suppliers-network',
      connector: new HempSuppliersNetworkConnector(http, base),
      records: data.hsn as unknown[],
    },
    {
      slug: 'sa-cannabis-exchange',
      connector: new SaCannabisExchangeConnector(http, base),
      records: data.exchange as unknown[],
    },
    {
      slug: 'regulatory-registry',
      connector: new RegulatoryRegistryConnector(http, base),
      records: data.registry as unknown[],
    },
  ];
  const out: Record<string, { records: number; recordsPerSecond: number }> = {};
  for (const c of cases) {
    for (const r of c.records.slice(0, 2000)) c.connector.normalise(r); // warm-up
    const rates: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const started = process.hrtime.bigint();
      let ok = 0;
      for (const r of c.records) if (c.connector.normalise(r).ok) ok += 1;
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      if (ok !== c.records.length)
        throw new Error(`${c.slug}: ${c.records.length - ok} records rejected in a clean data set`);
      rates.push(c.records.length / seconds);
    }
    out[c.slug] = { records: c.records.length, recordsPerSecond: Math.round(median(rates)) };
  }
  const offers = data.hsn.length + data.exchange.length;
  const offerSeconds =
    data.hsn.length / out['hemp-suppliers-network'].recordsPerSecond +
    data.exchange.length / out['sa-cannabis-exchange'].recordsPerSecond;
  return { perSource: out, offersPerSecond: Math.round(offers / offerSeconds), rounds: ROUNDS };
}

async function fullCrawl() {
  const database = process.env.BENCH_EMBEDDED ? undefined : await createTestDatabase();
  const dataDir = path.join(os.tmpdir(), `hemp-bench-${process.pid}`);
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    DATA_DIR: database ? dataDir : 'memory://',
    DATABASE_URL: database?.url,
    EXTERNAL_SOURCES_PORT: '0',
  });
  const sims = await startSimulators(config, { ephemeralPorts: true });
  config.sourceUrls = { ...config.sourceUrls, ...sims.urls };
  const subgraph = await startSubgraph(externalSourcesSubgraph, config, { port: 0 });
  try {
    const runtime = externalRuntime(subgraph.deps);
    const sources = await subgraph.deps.db.dataSource.getRepository(DataSourceEntity).find();
    const crawls: Array<{
      totalMs: number;
      sources: Record<string, { fetched: number; normalized: number; durationMs: number }>;
    }> = [];
    for (let i = 0; i < CRAWLS; i++) {
      const started = performance.now();
      const run = await runtime.crawler.trigger(sources, 'MANUAL', null);
      await runtime.crawler.idle();
      const totalMs = Math.round(performance.now() - started);
      const rows: Array<{ slug: string; status: string; fetched: number; normalized: number; duration_ms: number }> =
        await subgraph.deps.db.dataSource.query(
          `SELECT d.slug, r.status, r.fetched, r.normalized, r.duration_ms FROM external.crawl_source_results r JOIN external.data_sources d ON d.id = r.data_source_id WHERE r.crawl_run_id = $1`,
          [run.id],
        );
      if (rows.some((r) => r.status !== 'SUCCEEDED'))
        throw new Error(`crawl ${i + 1} did not succeed: ${JSON.stringify(rows)}`);
      crawls.push({
        totalMs,
        sources: Object.fromEntries(
          rows.map((r) => [r.slug, { fetched: r.fetched, normalized: r.normalized, durationMs: r.duration_ms }]),
        ),
      });
    }
    const records = Object.values(crawls[0].sources).reduce((n, s) => n + s.fetched, 0);
    return {
      database: database ? 'postgresql' : 'embedded (PGlite)',
      records,
      firstCrawlMs: crawls[0].totalMs,
      recrawlMedianMs: median(crawls.slice(1).map((c) => c.totalMs)),
      crawls,
    };
  } finally {
    await subgraph.stop();
    await sims.stop();
    await database?.drop();
  }
}

async function main() {
  const normalisation = await normalisationThroughput();
  const crawl = await fullCrawl();
  const result = {
    benchmark: 'external-sources normalisation and crawl',
    at: new Date().toISOString(),
    machine: { cpus: os.cpus().length, node: process.version },
    target: { offersPerSecond: 10_000 },
    normalisation,
    meetsTarget: normalisation.offersPerSecond >= 10_000,
    crawl,
  };
  const file = path.join(PROJECT_ROOT, 'bench', 'results', 'normalisation.json');
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(
    `${JSON.stringify({ normalisation, crawl: { ...crawl, crawls: undefined } }, null, 2)}\nwritten to ${file}\n`,
  );
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
