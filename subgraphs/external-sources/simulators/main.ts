import { runMain } from '#platform/infra/service/main';
import { startSimulators } from '.';

/** `npm run start:simulators`: the three partner simulators alone, on their configured ports (compose, demos). */
runMain('simulators', async (config) => {
  const sims = await startSimulators(config);
  process.stdout.write(sims.handles.map((h) => `  ${h.slug.padEnd(22)} ${h.url}   (simulated source)\n`).join(''));
  return sims;
});
