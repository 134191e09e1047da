import type { AppConfig } from '#platform/infra/config';
import { DEFAULT_SIZES, generateDatasets, type DatasetSizes } from './datasets';
import { DEMO_CREDENTIALS } from './demo-credentials';
import { hempSuppliersNetwork } from './hemp-suppliers-network.sim';
import { regulatoryRegistry } from './regulatory-registry.sim';
import { saCannabisExchange } from './sa-cannabis-exchange.sim';
import type { SimulatorDefinition } from './sim-definition';
import { startSimulator, type SimulatorHandle } from './sim-server';

export type { SimulatorHandle } from './sim-server';
export type { SimulatorFaults, ScriptedFailure } from './sim-faults';
export { DEMO_CREDENTIALS };

export interface RunningSimulators {
  handles: SimulatorHandle[];
  /** Base URL per source slug, for `config.sourceUrls`. */
  urls: Record<string, string>;
  get(slug: string): SimulatorHandle;
  stop(): Promise<void>;
}

export interface SimulatorsOptions {
  /** Free ports (tests) instead of the configured ones. */
  ephemeralPorts?: boolean;
  sizes?: DatasetSizes;
}

/** The three partner simulators, each on its own port with its own data from one seed. */
export async function startSimulators(
  config: Pick<
    AppConfig,
    | 'HOST'
    | 'SIMULATOR_SEED'
    | 'SIMULATOR_HEMP_SUPPLIERS_PORT'
    | 'SIMULATOR_CANNABIS_EXCHANGE_PORT'
    | 'SIMULATOR_REGULATORY_REGISTRY_PORT'
  >,
  options: SimulatorsOptions = {},
): Promise<RunningSimulators> {
  const data = generateDatasets(config.SIMULATOR_SEED, options.sizes ?? DEFAULT_SIZES);
  const plan: Array<[SimulatorDefinition, number]> = [
    [hempSuppliersNetwork(data.hsn), config.SIMULATOR_HEMP_SUPPLIERS_PORT],
    [saCannabisExchange(data.exchange), config.SIMULATOR_CANNABIS_EXCHANGE_PORT],
    [regulatoryRegistry(data.registry), config.SIMULATOR_REGULATORY_REGISTRY_PORT],
  ];
  const handles: SimulatorHandle[] = [];
  try {
    for (const [def, port] of plan) {
      handles.push(
        await startSimulator(def, {
          port: options.ephemeralPorts ? 0 : port,
          host: config.HOST,
          seed: config.SIMULATOR_SEED,
          credentials: [DEMO_CREDENTIALS[def.slug]],
        }),
      );
    }
  } catch (err) {
    await Promise.all(handles.map((h) => h.close()));
    throw err;
  }
  return {
    handles,
    urls: Object.fromEntries(handles.map((h) => [h.slug, h.url])),
    get(slug) {
      const handle = handles.find((h) => h.slug === slug);
      if (!handle) throw new Error(`no simulator for ${slug}`);
      return handle;
    },
    async stop() {
      await Promise.all(handles.map((h) => h.close()));
    },
  };
}
