import { runMain } from '../platform/main';
import { startStack } from './stack';

/** `npm start`: every service in one process on one machine, embedded database unless DATABASE_URL. */
runMain('stack', async (config) => {
  const started = performance.now();
  const stack = await startStack(config);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const db = config.DATABASE_URL ? 'PostgreSQL (DATABASE_URL)' : `embedded PostgreSQL in ${config.DATA_DIR}/pglite`;
  process.stdout.write(
    `\n  Hemp marketplace API ready in ${seconds}s\n` +
      `  Gateway:   ${stack.gateway.url}   (Apollo Sandbox in a browser)\n` +
      Object.values(stack.subgraphs).map((s) => `  ${s.name.padEnd(18)} ${s.url}\n`).join('') +
      (stack.simulators?.handles.map((h) => `  ${h.slug.padEnd(22)} ${h.url}   (simulated source)\n`).join('') ?? '') +
      `  Database:  ${db}\n\n`,
  );
  return stack;
});
