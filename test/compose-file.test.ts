import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { ENV_KEYS, loadConfig, SERVICE_NAMES } from '../platform/config';
import { PROJECT_ROOT } from '../platform/paths';

/** No Docker engine runs here, so the compose file is checked against the project instead. */
const compose = parse(readFileSync(path.join(PROJECT_ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, any>;
};
const defaults = loadConfig({});
const APP_SERVICES = [...SERVICE_NAMES, 'gateway'];
const PORTS: Record<string, number> = { ...defaults.subgraphPorts, gateway: defaults.GATEWAY_PORT };

function sourceOf(command: string[]): string {
  expect(command[0]).toBe('node');
  const compiled = command[1];
  expect(compiled).toMatch(/^dist\/.+\.js$/);
  return compiled.replace(/^dist\//, '').replace(/\.js$/, '.ts');
}

describe('docker-compose.yml', () => {
  it('has PostgreSQL, Redis, a migration step, the four subgraphs and the gateway', () => {
    expect(Object.keys(compose.services).sort()).toEqual([
      'analytics',
      'external-sources',
      'gateway',
      'identity-consent',
      'listings-matching',
      'migrate',
      'postgres',
      'redis',
      'simulators',
    ]);
  });

  it('runs two replicas of listings-matching and analytics', () => {
    expect(compose.services['listings-matching'].deploy.replicas).toBe(2);
    expect(compose.services.analytics.deploy.replicas).toBe(2);
  });

  it('points external-sources at the simulators by default', () => {
    const env = compose.services['external-sources'].environment;
    expect(env.HEMP_SUPPLIERS_NETWORK_URL).toContain(`simulators:${defaults.SIMULATOR_HEMP_SUPPLIERS_PORT}`);
    expect(env.SA_CANNABIS_EXCHANGE_URL).toContain(`simulators:${defaults.SIMULATOR_CANNABIS_EXCHANGE_PORT}`);
    expect(env.REGULATORY_REGISTRY_URL).toContain(`simulators:${defaults.SIMULATOR_REGULATORY_REGISTRY_PORT}`);
    expect(compose.services.simulators.expose.map(Number)).toEqual([
      defaults.SIMULATOR_HEMP_SUPPLIERS_PORT,
      defaults.SIMULATOR_CANNABIS_EXCHANGE_PORT,
      defaults.SIMULATOR_REGULATORY_REGISTRY_PORT,
    ]);
  });

  it.each([...APP_SERVICES, 'migrate', 'simulators'])('%s runs a command that exists in the project, from the project image', (name) => {
    const service = compose.services[name];
    expect(service.build).toBe('.');
    expect(existsSync(path.join(PROJECT_ROOT, sourceOf(service.command)))).toBe(true);
  });

  it.each([...APP_SERVICES, 'migrate', 'simulators'])('%s sets only environment variables the services read', (name) => {
    const unknown = Object.keys(compose.services[name].environment).filter((k) => !ENV_KEYS.includes(k));
    expect(unknown).toEqual([]);
  });

  it.each(APP_SERVICES)('%s listens, and is health-checked, on its configured port', (name) => {
    const service = compose.services[name];
    const declared = [...(service.expose ?? []), ...(service.ports ?? []).map((p: string) => p.split(':').pop())].map(Number);
    expect(declared).toContain(PORTS[name]);
    expect(service.healthcheck.test.join(' ')).toContain(`127.0.0.1:${PORTS[name]}/ready`);
  });

  it('points every service at the others by their compose names and real ports', () => {
    const env = compose.services.gateway.environment;
    for (const name of SERVICE_NAMES) {
      const key = `${name.toUpperCase().replace(/-/g, '_')}_URL`;
      expect(env[key]).toBe(`http://${name}:${PORTS[name]}/graphql`);
    }
    expect(env.JWKS_URL).toBe(`http://identity-consent:${PORTS['identity-consent']}/.well-known/jwks.json`);
  });

  it('only depends on services it defines, with health conditions', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      for (const [dependency, condition] of Object.entries<any>(service.depends_on ?? {})) {
        expect(Object.keys(compose.services)).toContain(dependency);
        expect(['service_healthy', 'service_completed_successfully']).toContain(condition.condition);
      }
      if (name !== 'migrate') expect(service.healthcheck ?? compose.services[name].healthcheck).toBeDefined();
    }
  });

  it('builds from a multi-stage Dockerfile that runs as a non-root user', () => {
    const dockerfile = readFileSync(path.join(PROJECT_ROOT, 'Dockerfile'), 'utf8');
    expect(dockerfile.match(/^FROM /gm)?.length).toBeGreaterThanOrEqual(2);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/npm prune --omit=dev/);
  });
});
