import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, rmdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT } from '#platform/infra/paths';
import { waitFor } from './wait';

/** Newest modification time of the .ts and .json files under these folders of the project. */
function newestSource(folders: string[]): number {
  let newest = 0;
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.name === 'node_modules' || entry.name === 'dist') continue;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (/\.(ts|json)$/.test(entry.name)) newest = Math.max(newest, statSync(full).mtimeMs);
    }
  };
  for (const folder of folders) walk(path.join(PROJECT_ROOT, folder));
  return newest;
}

/**
 * Compiles a tsconfig of the project into dist/ when its sources are newer than the last build,
 * under a lock: two suites run side by side (or two test files of one suite) must not both rewrite
 * dist/ while the other is running a process from it. The second one in finds it up to date.
 */
export async function ensureBuilt(
  tsconfig = 'tsconfig.build.json',
  folders = ['platform', 'gateway', 'subgraphs', 'scripts', 'schema'],
): Promise<void> {
  const id = createHash('sha256').update(`${PROJECT_ROOT}:${tsconfig}`).digest('hex').slice(0, 12);
  const lock = path.join(tmpdir(), `hemp-build-${id}.lock`);
  const stamp = path.join(PROJECT_ROOT, 'dist', `.built-${tsconfig.replace(/[^a-z0-9]/gi, '_')}`);
  await waitFor(
    () => {
      try {
        mkdirSync(lock);
        return true;
      } catch {
        // another run is building; a lock older than any build is a crashed run's, and is taken over
        const age = Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
        if (age > 240_000) rmdirSync(lock);
        return false;
      }
    },
    { timeoutMs: 300_000, intervalMs: 200, what: `the build lock ${lock}` },
  );
  try {
    const started = Date.now();
    if (existsSync(stamp) && statSync(stamp).mtimeMs >= newestSource(folders)) return;
    execFileSync(
      process.execPath,
      [path.join(PROJECT_ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', tsconfig],
      {
        cwd: PROJECT_ROOT,
        stdio: 'pipe',
      },
    );
    mkdirSync(path.dirname(stamp), { recursive: true });
    writeFileSync(stamp, '');
    // stamped with the time the build started: a source saved during the build makes it stale
    utimesSync(stamp, started / 1000, started / 1000);
  } finally {
    rmdirSync(lock);
  }
}
