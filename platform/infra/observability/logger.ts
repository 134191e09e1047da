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

const LEVEL_METHODS = new Set(['trace', 'debug', 'info', 'warn', 'error', 'fatal']);
const noop = () => {};

/**
 * `log.child(bindings)`, made when something first writes through it. pino serialises (and
 * redacts) a child's bindings when the child is made. The event consumers made one per event and
 * the HTTP server one per request, though a line is written only on a failure or at debug level:
 * the consumers' were the largest allocation of a catalogue read's event after the result itself.
 * Until the child exists, `isLevelEnabled` and `level` are the parent's (a child has its parent's
 * level) and a level method below the level does nothing, as pino's own does.
 */
export function lazyChild(log: Logger, bindings: Record<string, unknown>): Logger {
  let child: Logger | undefined;
  const made = () => (child ??= log.child(bindings));
  return new Proxy({} as Logger, {
    get(_target, prop) {
      if (!child) {
        if (prop === 'isLevelEnabled' || prop === 'level') {
          const value = Reflect.get(log, prop, log);
          return typeof value === 'function' ? value.bind(log) : value;
        }
        if (typeof prop === 'string' && LEVEL_METHODS.has(prop) && !log.isLevelEnabled(prop)) return noop;
      }
      const target = made();
      const value = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
    set(_target, prop, value) {
      return Reflect.set(made(), prop, value);
    },
    has(_target, prop) {
      return Reflect.has(made(), prop);
    },
  });
}
