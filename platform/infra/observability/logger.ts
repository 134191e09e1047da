import cluster from 'node:cluster';
import pino, { type DestinationStream, type Logger } from 'pino';
import { traceLogFields, tracingEnabled } from '#platform/infra/observability/tracing';

export type { Logger };

/** Fields that must never reach a log line, wherever they appear in a logged object. */
const REDACT = [
  'password',
  '*.password',
  'credential',
  '*.credential',
  'authorization',
  '*.authorization',
  'headers.authorization',
  'headers["x-api-key"]',
  'refreshToken',
  '*.refreshToken',
  'accessToken',
  '*.accessToken',
  'apiKey',
  '*.apiKey',
];

export function createLogger(service: string, level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      // Workers of one service share its port (GATEWAY_WORKERS): their lines say which one wrote them.
      base: cluster.isWorker ? { service, pid: process.pid } : { service },
      redact: { paths: REDACT, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      // With tracing on, every line written inside a span carries its trace_id and span_id.
      ...(tracingEnabled() ? { mixin: traceLogFields } : {}),
    },
    destination,
  );
}
