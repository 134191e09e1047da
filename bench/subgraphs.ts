import { runMain } from '#platform/infra/service/main';
import { startSubgraph, type RunningSubgraph, type SubgraphModule } from '#platform/infra/service/subgraph';
import { SUBGRAPHS } from '../subgraphs';

/** The four subgraphs in one process without a gateway, so each gateway under test is its own process. */
runMain('subgraphs', async (config) => {
  const [identity, ...others] = SUBGRAPHS as unknown as SubgraphModule<unknown>[];
  const running: RunningSubgraph[] = [await startSubgraph(identity, config)];
  running.push(...(await Promise.all(others.map((m) => startSubgraph(m, config)))));
  return { stop: async () => void (await Promise.all(running.map((s) => s.stop()))) };
});
