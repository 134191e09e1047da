import { spawn, type ChildProcess } from 'node:child_process';
import { PROJECT_ROOT } from '#platform/infra/paths';

/** Starts one compiled service for a benchmark; its stderr shows only with BENCH_VERBOSE. */
export function startProcess(name: string, args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  // BENCH_CPU_PROF=subgraphs,gateway: a V8 CPU profile of those processes in BENCH_CPU_PROF_DIR (Node
  // refuses --cpu-prof in NODE_OPTIONS), written when the bench stops them.
  const profiled = process.env.BENCH_CPU_PROF?.split(',').includes(name);
  const profile = profiled ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_CPU_PROF_DIR ?? 'bench/profiles'] : [];
  const child = spawn(process.execPath, [...profile, ...args], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr?.on('data', (c) => {
    if (process.env.BENCH_VERBOSE) process.stderr.write(`[${name}] ${c}`);
  });
  return child;
}

/** Polls a readiness URL until it answers 2xx, or fails after `seconds`. */
export async function waitForReady(url: string, seconds: number): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  while (Date.now() < deadline) {
    const ok = await fetch(url).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${url} did not become ready`);
}
