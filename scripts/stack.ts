import type { DestinationStream } from 'pino';
import type { AppConfig, SubgraphName } from '#platform/infra/config';
import { startSubgraph, type RunningSubgraph, type SubgraphModule } from '#platform/infra/service/subgraph';
import { closeEmbeddedDatabase } from '#platform/infra/db/pglite-pool';
import { startGateway, type RunningGateway } from '../gateway/server';
import { SUBGRAPHS } from '../subgraphs';
import { startSimulators, type RunningSimulators } from '../subgraphs/external-sources/simulators';
import path from 'node:path';

export interface RunningStack {
  gateway: RunningGateway;
  subgraphs: Record<SubgraphName, RunningSubgraph>;
  config: AppConfig;
  /** The external-source simulators, when SIMULATORS_ENABLED (tests drive their failure injection). */
  simulators: RunningSimulators | null;
  stop(): Promise<void>;
}

export interface StackOptions {
  /** 0 everywhere gives free ports (tests); otherwise the configured ports. */
  ephemeralPorts?: boolean;
  logDestination?: DestinationStream;
}

/**
 * The whole stack in one process: identity-consent first (it publishes the keys the others verify
 * with), then the other subgraphs in parallel, then the gateway pointed at where they listen.
 */
export async function startStack(base: AppConfig, options: StackOptions = {}): Promise<RunningStack> {
  const port = (name: SubgraphName) => (options.ephemeralPorts ? 0 : base.subgraphPorts[name]);
  const running: Partial<Record<SubgraphName, RunningSubgraph>> = {};
  let simulators: RunningSimulators | null = null;
  const start = async (module: SubgraphModule<unknown>, config: AppConfig) => {
    running[module.name] = await startSubgraph(module, config, {
      port: port(module.name),
      logDestination: options.logDestination,
    });
    return running[module.name] as RunningSubgraph;
  };
  try {
    // The partner simulators come first, so the crawler finds them at their real addresses.
    if (base.simulatorsEnabled) {
      simulators = await startSimulators(base, { ephemeralPorts: options.ephemeralPorts });
      base = { ...base, sourceUrls: { ...base.sourceUrls, ...simulators.urls } };
    }
    const [identity, ...others] = SUBGRAPHS as unknown as SubgraphModule<unknown>[];
    const identityRunning = await start(identity, base);
    const jwksUrl = identityRunning.url.replace(/\/graphql$/, '/.well-known/jwks.json');
    let config: AppConfig = { ...base, JWKS_URL: jwksUrl };
    // Later subgraphs find the earlier ones at their real addresses (analytics probes them).
    const urls = { ...base.subgraphUrls, 'identity-consent': identityRunning.url };
    const started = await Promise.all(others.map((m) => start(m, { ...config, subgraphUrls: urls })));
    for (const s of started) urls[s.name] = s.url;
    config = { ...config, subgraphUrls: urls };
    for (const s of Object.values(running)) (s as RunningSubgraph).deps.config.subgraphUrls = urls;
    const gateway = await startGateway(config, {
      port: options.ephemeralPorts ? 0 : base.GATEWAY_PORT,
      logDestination: options.logDestination,
    });
    // analytics reads the gateway's operation statistics where it really listens
    for (const s of Object.values(running))
      (s as RunningSubgraph).deps.config.GATEWAY_INTERNAL_URL = gateway.url.replace(/\/graphql$/, '');
    return {
      gateway,
      subgraphs: running as Record<SubgraphName, RunningSubgraph>,
      config,
      simulators,
      async stop() {
        await gateway.stop();
        await Promise.all(Object.values(running).map((s) => s?.stop()));
        await simulators?.stop();
        if (!config.DATABASE_URL)
          await closeEmbeddedDatabase(
            config.DATA_DIR === 'memory://' ? 'memory://' : path.resolve(config.DATA_DIR, 'pglite'),
          );
      },
    };
  } catch (err) {
    await Promise.all(Object.values(running).map((s) => s?.stop().catch(() => undefined)));
    await simulators?.stop().catch(() => undefined);
    throw err;
  }
}
