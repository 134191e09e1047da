import path from 'node:path';
import { startTracing } from '#platform/infra/observability/tracing';

/**
 * The first import of every entry point (gateway, each subgraph, `npm start`): starts tracing
 * before anything loads `pg`, once per process, and only when OTEL_EXPORTER_OTLP_ENDPOINT is set.
 * The service name comes from OTEL_SERVICE_NAME or from the entry file that is running.
 */
export function serviceNameForEntry(entry: string | undefined): string {
  const parts = (entry ?? '').split(path.sep).join('/');
  const subgraph = /\/subgraphs\/([a-z-]+)\/index\.[jt]s$/.exec(parts);
  if (subgraph) return subgraph[1];
  if (/\/gateway\/index\.[jt]s$/.test(parts)) return 'gateway';
  return 'hemp-marketplace';
}

startTracing({ serviceName: serviceNameForEntry(process.argv[1]) });
