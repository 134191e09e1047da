import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { PROJECT_ROOT } from '#platform/infra/paths';

/**
 * `npm run dev`: the stack, rebuilt and restarted on every change. `tsc --watch` recompiles what
 * changed; after each compile without errors the running stack gets SIGTERM (it drains and closes
 * the embedded database), and only once it has exited does the new one start, so two processes
 * never hold the database. A compile with errors leaves the running stack alone.
 */
export interface DevRunnerOptions {
  /** The watching compiler: prints "Found N errors. Watching for file changes." after every compile. */
  compiler: { command: string; args: string[] };
  app: { command: string; args: string[] };
  /** Restart (or start) after the compiler's first report too; false when the build before is fresh. */
  restartOnFirstCompile?: boolean;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  out?: (line: string) => void;
}

export interface DevRunner {
  /** Resolves after the app process that is current now has been replaced (tests). */
  readonly restarts: number;
  stop(): Promise<void>;
}

const COMPILED = /Found (\d+) errors?\. Watching for file changes\./;

export function startDevRunner(options: DevRunnerOptions): DevRunner {
  const out = options.out ?? ((line: string) => process.stderr.write(`[dev] ${line}\n`));
  const spawnOptions = { cwd: options.cwd ?? PROJECT_ROOT, env: options.env ?? process.env };
  let app: ChildProcess | null = null;
  let restarts = 0;
  let stopping = false;
  let compiles = 0;
  let queue = Promise.resolve();

  const stopApp = () =>
    new Promise<void>((resolve) => {
      const running = app;
      app = null;
      if (!running || running.exitCode !== null || running.signalCode !== null) return resolve();
      running.once('exit', () => resolve());
      running.kill('SIGTERM');
    });

  const startApp = () => {
    app = spawn(options.app.command, options.app.args, { ...spawnOptions, stdio: 'inherit' });
    app.once('exit', (code, signal) => {
      if (!stopping && signal !== 'SIGTERM')
        out(`the stack exited (${signal ?? `code ${code}`}); it restarts after the next successful compile`);
    });
  };

  const restart = () => {
    queue = queue.then(async () => {
      if (stopping) return;
      if (app) out('compiled without errors: restarting the stack');
      await stopApp();
      if (stopping) return;
      restarts += 1;
      startApp();
    });
  };

  const compiler = spawn(options.compiler.command, options.compiler.args, {
    ...spawnOptions,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let buffered = '';
  compiler.stdout!.on('data', (chunk: Buffer) => {
    buffered += chunk.toString('utf8');
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) {
      const match = COMPILED.exec(line);
      if (!match) {
        if (line.trim() && !/Starting (incremental )?compilation|File change detected/.test(line))
          process.stderr.write(`${line}\n`);
        continue;
      }
      compiles += 1;
      if (Number(match[1]) > 0) out(`${match[1]} compile error(s): the running stack is left as it was`);
      else if (compiles > 1 || options.restartOnFirstCompile) restart();
    }
  });

  if (!options.restartOnFirstCompile) restart();

  return {
    get restarts() {
      return restarts;
    },
    async stop() {
      stopping = true;
      compiler.kill('SIGTERM');
      await queue;
      await stopApp();
    },
  };
}

if (require.main === module) {
  const tsc = path.join(PROJECT_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const runner = startDevRunner({
    compiler: {
      command: process.execPath,
      args: [tsc, '-p', 'tsconfig.build.json', '--watch', '--preserveWatchOutput'],
    },
    app: { command: process.execPath, args: [path.join(PROJECT_ROOT, 'dist', 'scripts', 'start.js')] },
  });
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    void runner.stop().finally(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
