import pino from 'pino';
import { loadConfig, type AppConfig } from '#platform/infra/config';
import {
  ResilientHttpClient,
  SourceRequestError,
  type RetryInfo,
} from '../subgraphs/external-sources/modules/connector/http-client';
import {
  createSourceRuntimes,
  type SourceRuntime,
} from '../subgraphs/external-sources/modules/connector/source-runtime';
import { DEMO_CREDENTIALS, startSimulators, type RunningSimulators } from '../subgraphs/external-sources/simulators';

/**
 * The connectors against the real simulators on free ports (no database): retries, Retry-After,
 * timeouts, the breaker, pagination, concurrency limits and credential refusals.
 */
let sims: RunningSimulators;
let config: AppConfig;
const log = pino({ level: 'silent' });

beforeAll(async () => {
  config = loadConfig({
    NODE_ENV: 'test',
    CONNECTOR_TIMEOUT_MS: '300',
    CONNECTOR_MAX_RETRIES: '3',
    CONNECTOR_BACKOFF_BASE_MS: '5',
    CONNECTOR_BACKOFF_MAX_MS: '20',
    CONNECTOR_RETRY_AFTER_MAX_MS: '2000',
    CONNECTOR_CONCURRENCY: '2',
    BREAKER_VOLUME_THRESHOLD: '4',
    BREAKER_RESET_MS: '60000',
  });
  sims = await startSimulators(config, { ephemeralPorts: true });
  config.sourceUrls = { ...config.sourceUrls, ...sims.urls };
});

afterAll(async () => {
  await sims?.stop();
});

let runtimes: Map<string, SourceRuntime>;
beforeEach(() => {
  for (const h of sims.handles) h.reset();
  // fresh breakers per test: one test's outage must not leak into the next
  runtimes = createSourceRuntimes(config, log, {});
});
afterEach(() => {
  for (const r of runtimes.values()) r.http.shutdown();
});

const hsn = () => runtimes.get('hemp-suppliers-network')!;
const sacx = () => runtimes.get('sa-cannabis-exchange')!;
const registry = () => runtimes.get('regulatory-registry')!;

describe('retries', () => {
  it('recovers from transient 500s, a timeout and a broken body by retrying', async () => {
    const sim = sims.get('hemp-suppliers-network');
    sim.failNext('500', 1);
    sim.failNext('timeout', 1);
    sim.failNext('bad-json', 1);
    const retries: RetryInfo[] = [];
    const page = await hsn().connector.fetchPage(null, DEMO_CREDENTIALS['hemp-suppliers-network'], {
      hooks: { onRetry: (r) => retries.push(r) },
    });
    expect(page.records).toHaveLength(100);
    expect(page.rest).toHaveLength(14);
    expect(retries.map((r) => r.reason)).toEqual([
      'source answered HTTP 500',
      'no answer within 300 ms',
      'source sent a body that is not valid JSON',
    ]);
    expect(sim.stats.dataRequests).toBe(4);
  });

  it('honours Retry-After on 429 instead of its own backoff', async () => {
    const sim = sims.get('sa-cannabis-exchange');
    sim.setFaults({ retryAfterSeconds: 1 });
    sim.failNext('429', 1);
    const retries: RetryInfo[] = [];
    const page = await sacx().connector.fetchPage(null, DEMO_CREDENTIALS['sa-cannabis-exchange'], {
      hooks: { onRetry: (r) => retries.push(r) },
    });
    expect(page.records).toHaveLength(200);
    expect(retries).toEqual([{ attempt: 1, delayMs: 1000, reason: 'source answered HTTP 429', retryAfter: true }]);
  });

  it('gives up when Retry-After asks for longer than it will wait', async () => {
    const sim = sims.get('sa-cannabis-exchange');
    sim.setFaults({ retryAfterSeconds: 60 });
    sim.failNext('429', 1);
    await expect(sacx().connector.fetchPage(null, DEMO_CREDENTIALS['sa-cannabis-exchange'])).rejects.toMatchObject({
      status: 429,
      retryable: false,
    });
    expect(sim.stats.dataRequests).toBe(1);
  });

  it('stops after the configured retries when the failure persists', async () => {
    const sim = sims.get('regulatory-registry');
    sim.failNext('500', 10);
    await expect(registry().connector.fetchPage(null, DEMO_CREDENTIALS['regulatory-registry'])).rejects.toMatchObject({
      kind: 'http',
      status: 500,
    });
    expect(sim.stats.dataRequests).toBe(4); // one try and three retries
  });
});

describe('the circuit breaker', () => {
  it('opens on a source in outage, then fails fast without calling it', async () => {
    const sim = sims.get('regulatory-registry');
    sim.setFaults({ outage: true });
    await expect(registry().connector.fetchPage(null, DEMO_CREDENTIALS['regulatory-registry'])).rejects.toBeInstanceOf(
      SourceRequestError,
    );
    expect(registry().http.breaker.opened).toBe(true);
    const before = sim.stats.dataRequests;
    await expect(registry().connector.fetchPage(null, DEMO_CREDENTIALS['regulatory-registry'])).rejects.toMatchObject({
      kind: 'breaker-open',
    });
    expect(sim.stats.dataRequests).toBe(before);
    // the other sources have their own breakers and carry on
    await expect(hsn().connector.fetchPage(null, DEMO_CREDENTIALS['hemp-suppliers-network'])).resolves.toBeDefined();
  });

  it('is not tripped, nor retried, by a refused credential', async () => {
    const sim = sims.get('hemp-suppliers-network');
    for (let i = 0; i < 6; i++) {
      await expect(hsn().connector.fetchPage(null, 'wrong-token')).rejects.toMatchObject({
        kind: 'http',
        status: 401,
        retryable: false,
      });
    }
    expect(sim.stats.dataRequests).toBe(6);
    expect(hsn().http.breaker.closed).toBe(true);
  });

  it('each source checks its credential its own way', async () => {
    await expect(sacx().connector.fetchPage(null, DEMO_CREDENTIALS['hemp-suppliers-network'])).rejects.toMatchObject({
      status: 403,
    });
    await expect(registry().connector.fetchPage(null, 'marketplace-demo:wrong')).rejects.toMatchObject({ status: 401 });
    await expect(
      registry().connector.fetchPage(null, DEMO_CREDENTIALS['regulatory-registry'], { pageSize: 1 }),
    ).resolves.toMatchObject({ records: [expect.any(Object)] });
  });
});

describe('paging and limits', () => {
  it('follows the exchange cursor to the end', async () => {
    const credential = DEMO_CREDENTIALS['sa-cannabis-exchange'];
    let page = await sacx().connector.fetchPage(null, credential);
    let total = page.records.length;
    let pages = 1;
    while (page.next) {
      page = await sacx().connector.fetchPage(page.next, credential);
      total += page.records.length;
      pages += 1;
    }
    expect(total).toBe(900);
    expect(pages).toBe(5);
  });

  it('keeps to the per-source concurrency limit however many requests are made at once', async () => {
    const sim = sims.get('hemp-suppliers-network');
    sim.setFaults({ latencyMs: 40 });
    const credential = DEMO_CREDENTIALS['hemp-suppliers-network'];
    const pages = await Promise.all(
      ['2', '3', '4', '5', '6', '7'].map((p) => hsn().connector.fetchPage(p, credential)),
    );
    expect(pages.every((p) => p.records.length === 100)).toBe(true);
    expect(sim.stats.maxInFlight).toBe(2);
  });

  it('times out a source that hangs', async () => {
    const client = new ResilientHttpClient(
      'slow',
      { timeoutMs: 100, maxRetries: 0, backoffBaseMs: 1, backoffMaxMs: 1, retryAfterMaxMs: 1, concurrency: 1 },
      { errorThresholdPercentage: 50, volumeThreshold: 100, resetTimeout: 1000 },
      log,
    );
    const sim = sims.get('regulatory-registry');
    sim.failNext('timeout', 1);
    await expect(client.getJson(`${sim.url}/registry/v1/licences`, {})).rejects.toMatchObject({
      kind: 'timeout',
      retryable: true,
    });
    client.shutdown();
  });
});

describe('the simulator admin endpoint', () => {
  it('sets faults over HTTP, for use outside JS', async () => {
    const sim = sims.get('sa-cannabis-exchange');
    const res = await fetch(`${sim.url}/__admin/faults`, { method: 'POST', body: JSON.stringify({ outage: true }) });
    expect(res.status).toBe(200);
    const down = await fetch(`${sim.url}/api/v2/offers`, {
      headers: { 'x-api-key': DEMO_CREDENTIALS['sa-cannabis-exchange'] },
    });
    expect(down.status).toBe(503);
    await fetch(`${sim.url}/__admin/reset`, { method: 'POST', body: '{}' });
    const up = await fetch(`${sim.url}/api/v2/offers?limit=1`, {
      headers: { 'x-api-key': DEMO_CREDENTIALS['sa-cannabis-exchange'] },
    });
    expect(up.status).toBe(200);
  });
});
