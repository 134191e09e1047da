import { performance } from 'node:perf_hooks';
import { cpuDelta, type CpuProbe } from './cpu';
import { postLoad, round, type Body } from './load';
import { percentile } from './stats';

/**
 * Several operations sharing one closed-loop load, each request drawn from a fixed weighted
 * schedule: how each operation's latency looks while the others run beside it, which is how a
 * marketplace sees them (the single-operation runs in scale.bench.ts load one operation alone).
 */

export interface MixPart {
  name: string;
  /** Share of the requests, in any unit (normalised). */
  weight: number;
  body: Body;
}

export interface MixRun {
  rps: number;
  requests: number;
  errors: number;
  /** CPU ms per completed request of any kind, per process group. */
  cpuMsPerOp: Record<string, number>;
  operations: Record<string, { share: number; requests: number; p50: number; p95: number; p99: number }>;
}

/** A repeating order of parts, each as often as its weight says, spread out rather than in runs. */
function schedule(parts: MixPart[], slots = 100): number[] {
  const total = parts.reduce((s, p) => s + p.weight, 0);
  const order: Array<{ part: number; at: number }> = [];
  parts.forEach((p, i) => {
    const n = Math.max(1, Math.round((p.weight / total) * slots));
    for (let k = 0; k < n; k++) order.push({ part: i, at: (k + 0.5) / n });
  });
  return order.sort((a, b) => a.at - b.at).map((o) => o.part);
}

export async function mixedLoad(
  url: string,
  parts: MixPart[],
  options: { seconds: number; connections: number; probe?: CpuProbe | null },
): Promise<MixRun> {
  const order = schedule(parts);
  const latencies = parts.map(() => [] as number[]);
  let next = 0;
  const before = options.probe ? await options.probe.snapshot() : null;
  const instance = postLoad(url, options, {
    setupRequest: (req: any, context: any) => {
      const part = order[next++ % order.length];
      const { body, headers } = parts[part].body();
      context.part = part;
      context.started = performance.now();
      return { ...req, body, headers: { ...req.headers, ...headers } };
    },
    onResponse: (_status: number, _body: string, context: any) => {
      latencies[context.part].push(performance.now() - context.started);
    },
  });
  const result = await instance;
  const after = options.probe ? await options.probe.snapshot() : null;
  const requests = result.requests.total;
  const cpu = before && after ? cpuDelta(before, after) : {};
  const total = latencies.reduce((s, l) => s + l.length, 0);
  return {
    rps: round(result.requests.average, 1),
    requests,
    errors: result.errors + result.timeouts + result.non2xx,
    cpuMsPerOp: Object.fromEntries(Object.entries(cpu).map(([k, v]) => [k, requests ? round(v / requests, 3) : 0])),
    operations: Object.fromEntries(
      parts.map((p, i) => {
        const sorted = latencies[i].sort((a, b) => a - b);
        return [
          p.name,
          {
            share: round(sorted.length / Math.max(1, total), 3),
            requests: sorted.length,
            p50: round(percentile(sorted, 50)),
            p95: round(percentile(sorted, 95)),
            p99: round(percentile(sorted, 99)),
          },
        ];
      }),
    ),
  };
}
