import {
  AggregatorRegistry,
  Counter,
  Histogram,
  Registry,
  collectDefaultMetrics,
  type MetricObjectWithValues,
  type MetricValue,
} from 'prom-client';

/**
 * One registry per service, so several services can share a process (npm start, tests) and still
 * each expose only their own figures at /metrics.
 */
export interface ServiceMetrics {
  registry: Registry;
  httpDuration: Histogram<'route' | 'method' | 'status'>;
  operationDuration: Histogram<'operation' | 'outcome'>;
  dbStatements: Counter<'schema' | 'kind'>;
  /** Set in a worker of several (GATEWAY_WORKERS): /metrics then answers every worker's figures as one. */
  render?: () => Promise<string>;
}

let defaultMetricsRegistered = false;
const processRegistry = new Registry();

export function createMetrics(service: string): ServiceMetrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  if (!defaultMetricsRegistered) {
    collectDefaultMetrics({ register: processRegistry });
    defaultMetricsRegistered = true;
  }
  const httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration by route, method and status',
    labelNames: ['route', 'method', 'status'] as const,
    buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const operationDuration = new Histogram({
    name: 'graphql_operation_duration_seconds',
    help: 'GraphQL operation duration by operation name and outcome',
    labelNames: ['operation', 'outcome'] as const,
    buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const dbStatements = new Counter({
    name: 'db_statements_total',
    help: 'SQL statements sent to the database: kind="request" for work a request caused, "background" for event relays, consumers and schedulers',
    labelNames: ['schema', 'kind'] as const,
    registers: [registry],
  });
  return { registry, httpDuration, operationDuration, dbStatements };
}

/** The service's own metrics followed by the process-wide ones (memory, CPU, event loop). */
export async function renderMetrics(metrics: ServiceMetrics): Promise<string> {
  if (metrics.render) return metrics.render();
  const merged = Registry.merge([metrics.registry, processRegistry]);
  return merged.metrics();
}

type MetricsJson = MetricObjectWithValues<MetricValue<string>>[];

/** This process's figures as prom-client's JSON, what a worker hands the one aggregating them. */
export async function metricsAsJson(metrics: ServiceMetrics): Promise<MetricsJson> {
  const [own, proc] = await Promise.all([metrics.registry.getMetricsAsJSON(), processRegistry.getMetricsAsJSON()]);
  return [...own, ...proc] as MetricsJson;
}

/**
 * Several workers' figures as one exposition, by prom-client's own cluster aggregation: counters
 * and histograms are summed, and each gauge by the `aggregator` it declares (sum by default).
 */
export function aggregateMetrics(parts: MetricsJson[]): Promise<string> {
  return AggregatorRegistry.aggregate(parts).metrics();
}

export const METRICS_CONTENT_TYPE = processRegistry.contentType;
