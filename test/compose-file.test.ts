import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { ENV_KEYS, loadConfig, SERVICE_NAMES } from '#platform/infra/config';
import { PROJECT_ROOT } from '#platform/infra/paths';

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
  it('has PostgreSQL, Redis, a migration step, the four subgraphs, the gateway and the observability services', () => {
    expect(Object.keys(compose.services).sort()).toEqual([
      'analytics',
      'external-sources',
      'gateway',
      'grafana',
      'identity-consent',
      'jaeger',
      'listings-matching',
      'migrate',
      'otel-collector',
      'postgres',
      'prometheus',
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

  it.each([...APP_SERVICES, 'migrate', 'simulators'])(
    '%s runs a command that exists in the project, from the project image',
    (name) => {
      const service = compose.services[name];
      expect(service.build).toBe('.');
      expect(existsSync(path.join(PROJECT_ROOT, sourceOf(service.command)))).toBe(true);
    },
  );

  it.each([...APP_SERVICES, 'migrate', 'simulators'])(
    '%s sets only environment variables the services read',
    (name) => {
      const unknown = Object.keys(compose.services[name].environment).filter((k) => !ENV_KEYS.includes(k));
      expect(unknown).toEqual([]);
    },
  );

  it.each(APP_SERVICES)('%s listens, and is health-checked, on its configured port', (name) => {
    const service = compose.services[name];
    const declared = [...(service.expose ?? []), ...(service.ports ?? []).map((p: string) => p.split(':').pop())].map(
      Number,
    );
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
      // The collector and Jaeger images have no shell or HTTP client to probe with; nothing waits for them.
      if (!['migrate', 'otel-collector', 'jaeger'].includes(name))
        expect(service.healthcheck ?? compose.services[name].healthcheck).toBeDefined();
    }
  });

  it('builds from a multi-stage Dockerfile that runs as a non-root user', () => {
    const dockerfile = readFileSync(path.join(PROJECT_ROOT, 'Dockerfile'), 'utf8');
    expect(dockerfile.match(/^FROM /gm)?.length).toBeGreaterThanOrEqual(2);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/npm prune --omit=dev/);
  });
});

describe('docker-compose.yml: observability', () => {
  const hostPath = (mount: string) => path.join(PROJECT_ROOT, mount.split(':')[0]);
  const mounts = (name: string): string[] => compose.services[name].volumes.filter((v: string) => v.startsWith('./'));

  it('sends every service’s traces to the collector, which forwards them to Jaeger', () => {
    for (const name of APP_SERVICES)
      expect(compose.services[name].environment.OTEL_EXPORTER_OTLP_ENDPOINT).toContain('http://otel-collector:4318');
    expect(compose.services['otel-collector'].expose).toContain('4318');
    const [collectorConfig] = mounts('otel-collector');
    const config = parse(readFileSync(hostPath(collectorConfig), 'utf8'));
    expect(config.receivers.otlp.protocols.http.endpoint).toBe('0.0.0.0:4318');
    expect(config.service.pipelines.traces.receivers).toEqual(['otlp']);
    for (const exporter of config.service.pipelines.traces.exporters)
      expect(config.exporters[exporter].endpoint).toBe('jaeger:4317');
    expect(compose.services.jaeger.expose).toContain('4317');
  });

  it('mounts only files that exist in the project', () => {
    for (const name of ['otel-collector', 'prometheus', 'grafana'])
      for (const mount of mounts(name)) expect([mount, existsSync(hostPath(mount))]).toEqual([mount, true]);
  });

  it('runs Prometheus on the committed scrape config and alert rules', () => {
    const targets = mounts('prometheus').map((m) => m.split(':')[1]);
    expect(targets).toEqual(expect.arrayContaining(['/etc/prometheus/prometheus.yml', '/etc/prometheus/alerts.yml']));
    expect(compose.services.prometheus.command).toContain('--config.file=/etc/prometheus/prometheus.yml');
  });

  it('provisions Grafana with the Prometheus data source and the dashboards folder it mounts', () => {
    const provisioning = mounts('grafana').find((m) => m.includes('provisioning')) as string;
    const dashboardsMount = mounts('grafana').find((m) => m.includes('dashboards')) as string;
    const datasources = parse(
      readFileSync(path.join(hostPath(provisioning), 'datasources', 'datasources.yml'), 'utf8'),
    ).datasources;
    expect(datasources.find((d: any) => d.type === 'prometheus').url).toBe('http://prometheus:9090');
    expect(datasources.find((d: any) => d.type === 'jaeger').url).toBe('http://jaeger:16686');
    const providers = parse(
      readFileSync(path.join(hostPath(provisioning), 'dashboards', 'dashboards.yml'), 'utf8'),
    ).providers;
    expect(providers[0].options.path).toBe(dashboardsMount.split(':')[1]);
    expect(compose.services.grafana.depends_on.prometheus.condition).toBe('service_healthy');
  });

  it('publishes the UIs on this host only', () => {
    for (const name of ['jaeger', 'prometheus', 'grafana'])
      for (const port of compose.services[name].ports) expect(port).toMatch(/^127\.0\.0\.1:/);
  });
});
