import autocannon from 'autocannon';
import { cpuDelta, type CpuProbe } from './cpu';
import { percentile } from './stats';

/** One load run: closed loop, `connections` at once, for `seconds`. */
export interface Run {
  rps: number;
  requests: number;
  p50: number;
  p95: number;
  p99: number;
  errors: number;
  non2xx: number;
  /** Answers with GraphQL errors, estimated from every tenth body. */
  graphqlErrors: number;
  /** CPU ms per completed request, per process group. */
  cpuMsPerOp: Record<string, number>;
}

/** The next request's body and extra headers (called once per request, so bodies and tokens can vary). */
export type Body = () => { body: string; headers?: Record<string, string> };

export const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;
export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * A closed-loop autocannon run of JSON POSTs: `connections` at once for `seconds`, each request built
 * by `request.setupRequest` and seen by `request.onResponse` (autocannon's per-request hooks).
 */
export function postLoad(
  url: string,
  options: { seconds: number; connections: number },
  request: { setupRequest: (req: any, context: any) => any; onResponse: (...args: any[]) => void },
) {
  // autocannon returns an emitter that is also awaitable; its typings only know the promise.
  return autocannon({
    url,
    method: 'POST',
    connections: options.connections,
    duration: options.seconds,
    headers: { 'content-type': 'application/json' },
    requests: [request],
  } as any) as unknown as Promise<autocannon.Result> & {
    on(event: 'response', listener: (...args: any[]) => void): void;
  };
}

export async function load(
  url: string,
  next: Body,
  options: { seconds: number; connections: number; probe?: CpuProbe | null },
): Promise<Run> {
  const latencies: number[] = [];
  let graphqlErrors = 0;
  let sampled = 0;
  const before = options.probe ? await options.probe.snapshot() : null;
  const instance = postLoad(url, options, {
    setupRequest: (req: any) => {
      const { body, headers } = next();
      return { ...req, body, headers: { ...req.headers, ...headers } };
    },
    onResponse: (status: number, body: string) => {
      // a 200 with errors is not a success
      if (status === 200 && sampled++ % 10 === 0 && body.includes('"errors"')) graphqlErrors++;
    },
  });
  instance.on('response', (_c: unknown, _s: number, _b: number, responseTime: number) => latencies.push(responseTime));
  const result = await instance;
  const after = options.probe ? await options.probe.snapshot() : null;
  latencies.sort((a, b) => a - b);
  const requests = result.requests.total;
  const cpu = before && after ? cpuDelta(before, after) : {};
  return {
    rps: round(result.requests.average, 1),
    requests,
    p50: round(percentile(latencies, 50)),
    p95: round(percentile(latencies, 95)),
    p99: round(percentile(latencies, 99)),
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
    graphqlErrors: graphqlErrors * 10,
    cpuMsPerOp: Object.fromEntries(Object.entries(cpu).map(([k, v]) => [k, requests ? round(v / requests, 3) : 0])),
  };
}
