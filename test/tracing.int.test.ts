import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { instrumentPgModule, startTracing, stopTracing, tracingEnabled } from '#platform/infra/observability/tracing';
import { startTestStack, type TestStack } from './helpers/stack';
import { insertListings, insertUsers } from './helpers/fixtures';
import { waitFor } from './helpers/wait';

/**
 * One operation through the gateway, traced with an in-memory exporter: it must be ONE trace that
 * holds the gateway's spans (ours and Apollo Gateway's), each subgraph it touched (continued from
 * the `traceparent` the gateway's fetch sent), their SQL, and the events the operation caused.
 */
const exporter = new InMemorySpanExporter();
// Before the stack loads anything: tracing is set up once per process (here: per test file).
startTracing({ serviceName: 'hemp-marketplace', spanProcessor: new SimpleSpanProcessor(exporter) });
// jest loads modules through its own registry, which the pg instrumentation's require hook never
// sees; in `node dist/...` the hook patches pg as it loads. Patch jest's copy by hand.
instrumentPgModule(require('pg'));

const QUERY = /* GraphQL */ `
  query TracedListings {
    listings(first: 5) {
      edges {
        node {
          id
          title
          seller {
            id
            displayName
          }
        }
      }
    }
  }
`;

const service = (s: ReadableSpan) => s.attributes['hemp.service'];
/** A statement sent to PostgreSQL (the pg instrumentation also records pool checkouts, `pg-pool.connect`). */
const isSql = (s: ReadableSpan) => s.attributes['db.system.name'] === 'postgresql' && s.name.startsWith('pg.query');
const parentId = (s: ReadableSpan) => s.parentSpanContext?.spanId;

let t: TestStack;

beforeAll(async () => {
  // Every traced query reaches both subgraphs: without the gateway's entity cache, which would
  // answer the sellers' names of a repeated page itself.
  t = await startTestStack({ env: { LOG_LEVEL: 'debug', EVENTS_POLL_MS: '50', ENTITY_CACHE_TTL_MS: '0' } });
  const sellers = await insertUsers(t.stack, 2);
  await insertListings(t.stack, sellers, 2);
}, 60_000);

afterAll(async () => {
  await t?.stop();
  await stopTracing();
});

beforeEach(() => exporter.reset());

async function tracedQuery(headers: Record<string, string> = {}) {
  const res = await t.gql(QUERY, undefined, { headers });
  expect(res.status).toBe(200);
  expect(res.body.errors).toBeUndefined();
  expect(res.body.data.listings.edges.length).toBeGreaterThan(0);
  expect(res.body.data.listings.edges[0].node.seller.displayName).toEqual(expect.any(String));
  const gatewaySpan = await waitFor(
    async () =>
      exporter
        .getFinishedSpans()
        .find((s) => s.kind === SpanKind.SERVER && service(s) === 'gateway' && s.name === 'POST /graphql'),
    { what: "the gateway's server span" },
  );
  return { res, gatewaySpan, traceId: gatewaySpan.spanContext().traceId };
}

describe('tracing', () => {
  it('is on in this file (an in-memory exporter stands in for OTLP)', () => {
    expect(tracingEnabled()).toBe(true);
  });

  it('one cross-subgraph operation is ONE trace: gateway, Apollo Gateway, both subgraphs and their SQL', async () => {
    const { traceId, gatewaySpan } = await tracedQuery();
    const spans = exporter.getFinishedSpans();
    const inTrace = spans.filter((s) => s.spanContext().traceId === traceId);
    const byId = new Map(inTrace.map((s) => [s.spanContext().spanId, s]));

    // The gateway: our server span is the root; Apollo Gateway's own spans hang below it.
    expect(parentId(gatewaySpan)).toBeUndefined();
    const names = inTrace.map((s) => s.name);
    expect(names).toEqual(
      expect.arrayContaining(['gateway.request', 'gateway.plan', 'gateway.execute', 'gateway.fetch']),
    );

    // Each subgraph's server span continues the trace from the gateway's fetch (W3C traceparent).
    const subgraphServers = inTrace.filter((s) => s.kind === SpanKind.SERVER && service(s) !== 'gateway');
    expect(subgraphServers.map(service).sort()).toEqual(['identity-consent', 'listings-matching']);
    for (const server of subgraphServers) {
      const client = byId.get(parentId(server) as string);
      expect(client?.kind).toBe(SpanKind.CLIENT); // the undici span of the gateway's fetch
      expect(client?.attributes['url.full']).toContain('/graphql');
      // …which itself sits under one of Apollo Gateway's fetch spans
      let up: ReadableSpan | undefined = client;
      while (up && up.name !== 'gateway.fetch') up = byId.get(parentId(up) as string);
      expect(up?.name).toBe('gateway.fetch');
    }

    // SQL of both subgraphs, each under its subgraph's server span.
    const sql = inTrace.filter(isSql);
    expect(sql.length).toBeGreaterThanOrEqual(2);
    const serverOf = (s: ReadableSpan): ReadableSpan | undefined => {
      let up: ReadableSpan | undefined = s;
      while (up && up.kind !== SpanKind.SERVER) up = byId.get(parentId(up) as string);
      return up;
    };
    expect(new Set(sql.map((s) => service(serverOf(s) as ReadableSpan)))).toEqual(
      new Set(['identity-consent', 'listings-matching']),
    );
    for (const s of sql)
      expect(s.attributes['db.query.text']).toMatch(/^\s*(SELECT|WITH|INSERT|UPDATE|DELETE|START|BEGIN|COMMIT)/i);
    // bind parameters are never recorded (enhancedDatabaseReporting off)
    expect(sql.some((s) => 'db.query.parameter.0' in s.attributes || 'db.postgresql.values' in s.attributes)).toBe(
      false,
    );

    // Nothing the operation did went into another trace.
    const servers = spans.filter((s) => s.kind === SpanKind.SERVER);
    expect(new Set(servers.map((s) => s.spanContext().traceId))).toEqual(new Set([traceId]));
    // Every span of the trace has its parent in the trace (one tree, no orphans).
    for (const s of inTrace)
      if (s !== gatewaySpan && !s.name.startsWith('events ')) expect(byId.has(parentId(s) as string)).toBe(true);
  });

  it('the events the operation caused continue its trace: relay linked, consumer a child of the writer', async () => {
    // Read events are published in batches: send the earlier tests' first, so this operation's
    // event travels alone and its consumer's SQL runs under that event's span (a batch's shared
    // statements belong to no single event).
    await t.stack.subgraphs['listings-matching'].deps.outbox.flush();
    const { traceId } = await tracedQuery();
    // listings records search.performed; analytics consumes it.
    const consumer = await waitFor(
      async () =>
        exporter
          .getFinishedSpans()
          .find(
            (s) =>
              s.kind === SpanKind.CONSUMER &&
              s.name === 'events process search.performed' &&
              s.spanContext().traceId === traceId,
          ),
      { what: 'the consumer span of search.performed in the same trace', timeoutMs: 15_000 },
    );
    expect(consumer.attributes['messaging.consumer.group.name']).toEqual(expect.any(String));
    const writer = exporter.getFinishedSpans().find((s) => s.spanContext().spanId === parentId(consumer));
    expect(writer && service(writer)).toBe('listings-matching');
    // The consumer's SQL (its effect and the processed-event row) belongs to the same trace.
    await waitFor(
      async () => exporter.getFinishedSpans().some((s) => isSql(s) && parentId(s) === consumer.spanContext().spanId),
      {
        what: "the consumer's SQL under its span",
      },
    );
    const relay = exporter
      .getFinishedSpans()
      .find(
        (s) =>
          s.kind === SpanKind.PRODUCER &&
          s.name === 'events publish listings-matching' &&
          s.links.some((l) => l.context.traceId === traceId),
      );
    expect(relay).toBeDefined();
  });

  it('log lines written during the operation carry its trace id', async () => {
    const before = t.logs.length;
    const { traceId, res } = await tracedQuery();
    const requestId = res.headers.get('x-request-id');
    const lines = t.logs.slice(before).map((l) => JSON.parse(l));
    const operationLines = lines.filter((l) => l.msg === 'graphql operation' && l.requestId === requestId);
    // the gateway's line and each subgraph's
    expect(operationLines.length).toBeGreaterThanOrEqual(3);
    for (const line of operationLines) {
      expect(line.trace_id).toBe(traceId);
      expect(line.span_id).toMatch(/^[0-9a-f]{16}$/);
    }
  });

  it("the gateway starts its own trace: a client's traceparent is only linked, never adopted", async () => {
    const clientTrace = '4bf92f3577b34da6a3ce929d0e0e4736';
    const { traceId, gatewaySpan } = await tracedQuery({ traceparent: `00-${clientTrace}-00f067aa0ba902b7-01` });
    expect(traceId).not.toBe(clientTrace);
    expect(parentId(gatewaySpan)).toBeUndefined();
    expect(gatewaySpan.links.map((l) => l.context.traceId)).toEqual([clientTrace]);
  });

  it('probes and scrapes make no spans', async () => {
    const base = t.gatewayUrl.replace(/\/graphql$/, '');
    for (const path of ['/health', '/ready', '/metrics']) expect((await fetch(base + path)).status).toBeLessThan(500);
    // A GraphQL request after them is traced; once its span is exported, any span of the probes
    // (which ended before it started) would be too: no sleep needed to prove there are none.
    await tracedQuery();
    const server = exporter.getFinishedSpans().filter((s) => s.kind === SpanKind.SERVER);
    expect(server.filter((s) => !s.name.startsWith('POST /graphql')).map((s) => s.name)).toEqual([]);
  });
});
