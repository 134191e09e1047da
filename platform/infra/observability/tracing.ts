import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Link,
  type Span,
  type Tracer,
} from '@opentelemetry/api';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';

/**
 * OpenTelemetry for every service (docs/observability.md).
 *
 * Off unless OTEL_EXPORTER_OTLP_ENDPOINT is set (or a test hands in its own span processor): then
 * nothing of the SDK is even loaded, `@opentelemetry/api` stays the no-op it ships as, and every
 * helper below returns after one boolean test. On, it registers one tracer provider per process
 * (AsyncLocalStorage context, W3C `traceparent`), the pg instrumentation (SQL spans) and the undici
 * instrumentation (spans and `traceparent` on every `fetch`: gateway → subgraph, service → service).
 * Apollo Gateway creates its own spans (`gateway.request`, `gateway.plan`, `gateway.fetch`, …)
 * through the same API. Server spans come from the platform's HTTP server (`serverSpan`), event
 * spans from the relay and the consumers, which continue the trace stored in each event.
 */

export const TRACER_NAME = 'hemp-marketplace';

/** What an outbox event carries of the trace that wrote it (W3C trace context). */
export interface EventTraceMetadata {
  traceparent?: string;
  tracestate?: string;
}

interface TracingState {
  tracer: Tracer;
  shutdown(): Promise<void>;
  /** Test hook: applies the pg instrumentation to a module object loaded outside Node's require. */
  instrumentPg(pgModule: unknown): void;
}

let state: TracingState | null = null;

export function tracingEnabled(): boolean {
  return state !== null;
}

export interface TracingOptions {
  /** `service.name` of the resource: the service, or `hemp-marketplace` when the whole stack shares a process. */
  serviceName: string;
  /** Where spans go instead of OTLP (tests: a SimpleSpanProcessor over an InMemorySpanExporter). */
  spanProcessor?: SpanProcessor;
  env?: NodeJS.ProcessEnv;
}

/**
 * Starts tracing once per process. Call it before `pg` is loaded (platform/infra/observability/tracing-register.ts,
 * the first import of every entry point): the pg instrumentation patches the module as it loads.
 * Returns false (and does nothing) when there is no endpoint and no processor, or when it already ran.
 */
export function startTracing(options: TracingOptions): boolean {
  const env = options.env ?? process.env;
  if (state) return false;
  const endpoint = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim() || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim();
  if (!options.spanProcessor && !endpoint) return false;
  if (env.OTEL_SDK_DISABLED === 'true') return false;

  // Loaded here, not at the top: with tracing off the SDK costs neither memory nor start time.
  const { NodeTracerProvider } =
    require('@opentelemetry/sdk-trace-node') as typeof import('@opentelemetry/sdk-trace-node');
  const { BatchSpanProcessor } =
    require('@opentelemetry/sdk-trace-base') as typeof import('@opentelemetry/sdk-trace-base');
  const { resourceFromAttributes } = require('@opentelemetry/resources') as typeof import('@opentelemetry/resources');
  const { registerInstrumentations } =
    require('@opentelemetry/instrumentation') as typeof import('@opentelemetry/instrumentation');
  const { PgInstrumentation } =
    require('@opentelemetry/instrumentation-pg') as typeof import('@opentelemetry/instrumentation-pg');
  const { UndiciInstrumentation } =
    require('@opentelemetry/instrumentation-undici') as typeof import('@opentelemetry/instrumentation-undici');

  let processor = options.spanProcessor;
  if (!processor) {
    const { OTLPTraceExporter } =
      require('@opentelemetry/exporter-trace-otlp-http') as typeof import('@opentelemetry/exporter-trace-otlp-http');
    // The exporter reads OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT and _HEADERS itself and posts to …/v1/traces.
    processor = new BatchSpanProcessor(new OTLPTraceExporter());
  }
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({
      'service.name': env.OTEL_SERVICE_NAME?.trim() || options.serviceName,
      'service.namespace': 'hemp-marketplace',
      'deployment.environment.name': env.NODE_ENV ?? 'development',
    }),
    // Sampler from OTEL_TRACES_SAMPLER / OTEL_TRACES_SAMPLER_ARG (default: parent-based, always on).
    spanProcessors: [processor],
  });
  // Global provider, AsyncLocalStorage context manager, W3C trace-context and baggage propagators.
  provider.register();
  const pg = new PgInstrumentation({
    // Relays and consumers poll several times a second: only SQL that belongs to a trace is recorded.
    requireParentSpan: true,
    enhancedDatabaseReporting: false,
  });
  const unregister = registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [pg, new UndiciInstrumentation({ requireParentforSpans: true })],
  });
  state = {
    tracer: trace.getTracer(TRACER_NAME),
    shutdown: async () => {
      unregister();
      await provider.shutdown();
    },
    instrumentPg(pgModule) {
      for (const definition of pg.getModuleDefinitions()) if (definition.name === 'pg') definition.patch?.(pgModule);
    },
  };
  return true;
}

/** Flushes and stops the exporter (SIGTERM, tests). */
export async function stopTracing(): Promise<void> {
  const current = state;
  state = null;
  if (!current) return;
  await current.shutdown();
  trace.disable();
  context.disable();
  propagation.disable();
}

/** Test hook, see TracingState.instrumentPg. */
export function instrumentPgModule(pgModule: unknown): void {
  state?.instrumentPg(pgModule);
}

/** `trace_id` and `span_id` of the active span, for pino's `mixin` (only installed while tracing is on). */
export function traceLogFields(): Record<string, string> {
  const span = trace.getActiveSpan();
  if (!span) return {};
  const { traceId, spanId } = span.spanContext();
  return { trace_id: traceId, span_id: spanId };
}

// Probes, scrapes and the revocation poll (every service, several times a second) are not requests anyone traces.
const UNTRACED_PATHS = new Set(['/health', '/ready', '/metrics', '/internal/revocations']);

/**
 * Runs one HTTP request inside a SERVER span named `METHOD /path`. A subgraph continues the
 * caller's trace from `traceparent`; the gateway (`edge`) starts its own trace and only links to a
 * client's context, so no caller can choose the gateway's sampling or pose as part of another trace.
 * Probes and scrapes are not traced.
 */
export function serverSpan(
  service: string,
  req: IncomingMessage,
  res: ServerResponse,
  edge: boolean,
  handle: () => Promise<void>,
): Promise<void> {
  if (!state) return handle();
  const pathname = (req.url ?? '/').split('?')[0];
  if (UNTRACED_PATHS.has(pathname)) return handle();
  const method = (req.method ?? 'GET').toUpperCase();
  const remote = propagation.extract(ROOT_CONTEXT, req.headers);
  const remoteSpan = trace.getSpanContext(remote);
  const links: Link[] = edge && remoteSpan ? [{ context: remoteSpan }] : [];
  const parent = edge ? ROOT_CONTEXT : remote;
  return state.tracer.startActiveSpan(
    `${method} ${pathname.length > 64 ? 'unknown' : pathname}`,
    {
      kind: SpanKind.SERVER,
      links,
      attributes: {
        'hemp.service': service,
        'http.request.method': method,
        'url.path': pathname,
        'http.route': pathname,
      },
    },
    parent,
    async (span) => {
      try {
        await handle();
      } finally {
        span.setAttribute('http.response.status_code', res.statusCode);
        if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
        span.end();
      }
    },
  );
}

/**
 * `fn` bound to no trace: for timers a request merely starts (a batched write of several requests'
 * events), which would otherwise be counted in the trace of whichever request came first.
 */
export function detached<A extends unknown[]>(fn: (...args: A) => void): (...args: A) => void {
  return state ? context.bind(ROOT_CONTEXT, fn) : fn;
}

/** W3C trace context of the active span, to store with an outbox event (undefined when off or untraced). */
export function currentTraceMetadata(): EventTraceMetadata | undefined {
  if (!state) return undefined;
  const carrier: EventTraceMetadata = {};
  propagation.inject(context.active(), carrier);
  return carrier.traceparent ? carrier : undefined;
}

function spanContextOf(metadata: EventTraceMetadata | null | undefined) {
  return metadata?.traceparent ? trace.getSpanContext(propagation.extract(ROOT_CONTEXT, metadata)) : undefined;
}

/**
 * A PRODUCER span around the relay publishing a batch, linked to the trace of every event in it
 * (a batch mixes events of many operations, so it cannot have one parent).
 */
export function relaySpan<T>(
  source: string,
  events: Array<{ id: string; metadata?: EventTraceMetadata | null }>,
  fn: () => Promise<T>,
): Promise<T> {
  if (!state) return fn();
  const links: Link[] = [];
  for (const e of events) {
    const linked = spanContextOf(e.metadata);
    if (linked) links.push({ context: linked, attributes: { 'messaging.message.id': e.id } });
  }
  return state.tracer.startActiveSpan(
    `events publish ${source}`,
    {
      kind: SpanKind.PRODUCER,
      links,
      attributes: {
        'messaging.system': 'hemp-events',
        'messaging.batch.message_count': events.length,
        'hemp.service': source,
      },
    },
    ROOT_CONTEXT,
    (span) => finish(span, fn),
  );
}

/**
 * A CONSUMER span for one event, a child of the span that wrote the event (so a mutation's trace
 * shows what its events caused, across services), and linked to it as well.
 */
export function consumerSpan<T>(
  consumer: string,
  event: { id: string; type: string; source: string; metadata?: EventTraceMetadata | null },
  attempt: number,
  fn: () => Promise<T>,
): Promise<T> {
  if (!state) return fn();
  const parent = event.metadata?.traceparent ? propagation.extract(ROOT_CONTEXT, event.metadata) : ROOT_CONTEXT;
  const linked = trace.getSpanContext(parent);
  return state.tracer.startActiveSpan(
    `events process ${event.type}`,
    {
      kind: SpanKind.CONSUMER,
      links: linked ? [{ context: linked }] : [],
      attributes: {
        'messaging.system': 'hemp-events',
        'messaging.operation.type': 'process',
        'messaging.consumer.group.name': consumer,
        'messaging.message.id': event.id,
        'messaging.destination.name': event.type,
        'hemp.event.source': event.source,
        'hemp.event.attempt': attempt,
      },
    },
    parent,
    (span) => finish(span, fn),
  );
}

async function finish<T>(span: Span, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    span.recordException(err as Error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error)?.message });
    throw err;
  } finally {
    span.end();
  }
}
