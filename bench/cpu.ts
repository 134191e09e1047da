import { readFileSync, readdirSync } from 'node:fs';

/**
 * CPU accounting from /proc, for the benchmarks that report CPU ms per operation for every process:
 * the gateway (with any workers), the subgraphs process and the PostgreSQL backends.
 */

const TICK_MS = 1000 / 100; // USER_HZ is 100 on Linux

/** utime + stime of one process, in clock ticks (0 once it is gone). */
export function cpuTicks(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
}

/** A process and all its descendants (Hive's workers, our GATEWAY_WORKERS). */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // gone meanwhile
    }
  }
  const out: number[] = [];
  const walk = (pid: number) => {
    out.push(pid);
    for (const c of children.get(pid) ?? []) walk(c);
  };
  walk(root);
  return out;
}

/**
 * Busy ticks of the whole machine (every CPU, from /proc/stat: all but idle and iowait; guest time is
 * already inside user). Beside the per-process groups it shows CPU spent elsewhere during a run: the
 * bench client, other gateways idling, the kernel, or something outside the bench.
 */
export function machineTicks(): number {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0];
    const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
    return user + nice + system + irq + softirq + steal;
  } catch {
    return 0;
  }
}

/** The pseudo-group of a snapshot holding the whole machine's ticks (see cpuDelta). */
const MACHINE = 'machine';

export type CpuSnapshot = Map<string, Map<number, number>>;

export interface CpuProbe {
  snapshot(): Promise<CpuSnapshot>;
}

/** Snapshots the CPU ticks of named groups of processes (the groups are re-listed each time). */
export function cpuProbe(groups: () => Promise<Record<string, number[]>>): CpuProbe {
  return {
    async snapshot() {
      const out: CpuSnapshot = new Map();
      for (const [name, pids] of Object.entries(await groups()))
        out.set(name, new Map(pids.map((p) => [p, cpuTicks(p)])));
      out.set('bench', new Map([[process.pid, cpuTicks(process.pid)]]));
      out.set(MACHINE, new Map([[0, machineTicks()]]));
      return out;
    },
  };
}

/**
 * CPU ms per group between two snapshots; a process that appeared in between counts from zero. The
 * machine's pseudo-group becomes `elsewhere`: the machine's busy time less every group's, including
 * the bench client's (`bench`).
 */
export function cpuDelta(before: CpuSnapshot, after: CpuSnapshot): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, pids] of after) {
    let ticks = 0;
    for (const [pid, t] of pids) ticks += t - (before.get(name)?.get(pid) ?? 0);
    out[name] = ticks * TICK_MS;
  }
  if (MACHINE in out) {
    const { [MACHINE]: machine, ...groups } = out;
    const counted = Object.values(groups).reduce((a, b) => a + b, 0);
    return { ...groups, elsewhere: Math.max(0, machine - counted) };
  }
  return out;
}
