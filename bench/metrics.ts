import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';

/**
 * The bench stack's METRICS_TOKEN (bench/stack.ts): in production mode the gateway's /metrics is
 * closed without one, and with one every service asks for it.
 */
export const BENCH_METRICS_TOKEN = randomBytes(24).toString('base64url');

/** Figures the benchmarks read from the services themselves: Prometheus counters and peak RSS. */

/** The sum of a Prometheus metric's samples whose line contains `labelFilter`. */
export async function metricSum(url: string, name: string, labelFilter = ''): Promise<number> {
  const res = await fetch(url, { headers: { authorization: `Bearer ${BENCH_METRICS_TOKEN}` } });
  if (!res.ok) throw new Error(`${url}: ${res.status}`);
  const text = await res.text();
  let sum = 0;
  for (const line of text.split('\n'))
    if (line.startsWith(name) && line.includes(labelFilter)) sum += Number(line.split(' ').pop());
  return sum;
}

/** A process's peak resident memory (VmHWM), in MB. */
export function peakRssMb(pid: number | null | undefined): number | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1]);
    return Math.round((kb / 1024) * 10) / 10;
  } catch {
    return null;
  }
}
