import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startDevRunner } from '../scripts/dev';
import { waitFor } from './helpers/wait';

/**
 * `npm run dev` with a stand-in compiler and app: a restart waits for the old stack to exit before
 * the new one starts (one process holds the embedded database), and a compile with errors restarts nothing.
 */
describe('npm run dev (the restart loop)', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'hemp-dev-'));
  const log = path.join(dir, 'app.log');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('restarts after each clean compile, never two at once, and leaves the stack alone on errors', async () => {
    writeFileSync(log, '');
    const compiler = path.join(dir, 'compiler.js');
    // first compile at once; once the first stack is up, a compile with errors, then a clean one
    writeFileSync(
      compiler,
      `const fs = require('fs'); const log = ${JSON.stringify(log)};
       const say = (n) => console.log('[12:00:00] Found ' + n + ' error' + (n === 1 ? '' : 's') + '. Watching for file changes.');
       say(0);
       const wait = setInterval(() => {
         if (!fs.readFileSync(log, 'utf8').includes('start')) return;
         clearInterval(wait);
         say(2);
         setTimeout(() => say(0), 300);
       }, 50);
       setInterval(() => {}, 1000);`,
    );
    const app = path.join(dir, 'app.js');
    writeFileSync(
      app,
      `const fs = require('fs'); const log = ${JSON.stringify(log)};
       fs.appendFileSync(log, 'start ' + process.pid + '\\n');
       process.on('SIGTERM', () => setTimeout(() => { fs.appendFileSync(log, 'stop ' + process.pid + '\\n'); process.exit(0); }, 200));
       setInterval(() => {}, 1000);`,
    );
    const messages: string[] = [];
    const runner = startDevRunner({
      compiler: { command: process.execPath, args: [compiler] },
      app: { command: process.execPath, args: [app] },
      out: (line) => messages.push(line),
    });
    await waitFor(() => readFileSync(log, 'utf8').split('start').length >= 3, {
      timeoutMs: 50_000,
      intervalMs: 50,
      what: 'the second start',
    });
    expect(runner.restarts).toBe(2);
    await runner.stop();
    const events = readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .map((l) => l.split(' '));
    expect(events.map(([what]) => what)).toEqual(['start', 'stop', 'start', 'stop']);
    const [first, second] = [events[0][1], events[2][1]];
    expect(first).not.toBe(second);
    expect(events[1][1]).toBe(first); // the first stopped before the second started
    expect(messages).toEqual(
      expect.arrayContaining([
        '2 compile error(s): the running stack is left as it was',
        'compiled without errors: restarting the stack',
      ]),
    );
  });
});
