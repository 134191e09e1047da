import '../platform/tracing-register'; // first: tracing must load before pg and http
import { runMain } from '../platform/main';
import { startStack } from './stack';
import { loadDemoData } from './demo-data';

/** `npm start`: every service in one process on one machine, embedded database unless DATABASE_URL. */
runMain('stack', async (config) => {
  const started = performance.now();
  const stack = await startStack(config);
  // Demo data on a fresh embedded database only: a real PostgreSQL deployment starts empty.
  const demo = !config.DATABASE_URL && config.DEMO_DATA === 'true' ? await loadDemoData(stack) : 0;
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const db = config.DATABASE_URL ? 'PostgreSQL (DATABASE_URL)' : `embedded PostgreSQL in ${config.DATA_DIR}/pglite`;
  process.stdout.write(
    `\n  Hemp marketplace API ready in ${seconds}s\n` +
      `  Gateway:   ${stack.gateway.url}   (Apollo Sandbox in a browser)\n` +
      Object.values(stack.subgraphs).map((s) => `  ${s.name.padEnd(18)} ${s.url}\n`).join('') +
      (stack.simulators?.handles.map((h) => `  ${h.slug.padEnd(22)} ${h.url}   (simulated source)\n`).join('') ?? '') +
      `  Database:  ${db}${demo ? ` (loaded ${demo} demo listings)` : ''}\n\n`,
  );
  return stack;
});
