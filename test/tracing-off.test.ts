import http from 'node:http';
import { Writable } from 'node:stream';
import { trace } from '@opentelemetry/api';
import {
  currentTraceMetadata,
  detached,
  serverSpan,
  startTracing,
  tracingEnabled,
} from '#platform/infra/observability/tracing';
import { serviceNameForEntry } from '#platform/infra/observability/tracing-register';
import { createLogger } from '#platform/infra/observability/logger';

/** Without OTEL_EXPORTER_OTLP_ENDPOINT nothing is set up, nothing is sent, and the helpers cost a boolean test. */
describe('tracing off (the default)', () => {
  it('does not start without an endpoint, or when OTEL_SDK_DISABLED', () => {
    expect(startTracing({ serviceName: 'gateway', env: {} })).toBe(false);
    expect(startTracing({ serviceName: 'gateway', env: { OTEL_EXPORTER_OTLP_ENDPOINT: '  ' } })).toBe(false);
    expect(
      startTracing({
        serviceName: 'gateway',
        env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9', OTEL_SDK_DISABLED: 'true' },
      }),
    ).toBe(false);
    expect(tracingEnabled()).toBe(false);
    // @opentelemetry/api stays the no-op it ships as: no provider was registered.
    expect(trace.getTracer('x').startSpan('s').isRecording()).toBe(false);
  });

  it('stores no trace context with events and binds nothing', () => {
    expect(currentTraceMetadata()).toBeUndefined();
    const fn = () => undefined;
    expect(detached(fn)).toBe(fn);
  });

  it('runs requests without a span and logs without trace fields', async () => {
    const handled = Promise.resolve();
    const req = { url: '/graphql', method: 'POST', headers: {} } as unknown as http.IncomingMessage;
    expect(serverSpan('gateway', req, {} as http.ServerResponse, true, () => handled)).toBe(handled);
    const lines: string[] = [];
    const log = createLogger(
      'gateway',
      'info',
      new Writable({ write: (c, _e, cb) => (lines.push(String(c)), cb()) }) as never,
    );
    log.info('hello');
    expect(JSON.parse(lines[0])).not.toHaveProperty('trace_id');
  });

  it('names the service after the entry point that runs', () => {
    expect(serviceNameForEntry('/app/dist/gateway/index.js')).toBe('gateway');
    expect(serviceNameForEntry('/app/dist/subgraphs/listings-matching/index.js')).toBe('listings-matching');
    expect(serviceNameForEntry('/app/dist/scripts/start.js')).toBe('hemp-marketplace');
    expect(serviceNameForEntry(undefined)).toBe('hemp-marketplace');
  });
});
