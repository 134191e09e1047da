import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { ENV_KEYS, loadConfig, SERVICE_NAMES } from '../platform/config';
import { PROJECT_ROOT } from '../platform/paths';
import { renderManifests } from '../scripts/k8s-manifests';

const K8S = path.join(PROJECT_ROOT, 'deploy', 'k8s');
const defaults = loadConfig({});
const PORTS: Record<string, number> = { ...defaults.subgraphPorts, gateway: defaults.GATEWAY_PORT };
const docs = readdirSync(K8S)
  .filter((f) => f.endsWith('.yaml'))
  .flatMap((f) => parseAllDocuments(readFileSync(path.join(K8S, f), 'utf8')).map((d) => d.toJS()));
const byKind = (kind: string) => docs.filter((d) => d.kind === kind);

/** Every metric name the project's code registers with prom-client. */
function registeredMetrics(): Set<string> {
  const names = new Set<string>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.ts')) for (const m of readFileSync(full, 'utf8').matchAll(/name: '([a-z_]+)'/g)) names.add(m[1]);
    }
  };
  for (const dir of ['platform', 'gateway', 'subgraphs']) walk(path.join(PROJECT_ROOT, dir));
  return names;
}

describe('Kubernetes manifests', () => {
  it('are what the generator writes (no drift)', () => {
    for (const [name, contents] of Object.entries(renderManifests())) {
      expect(readFileSync(path.join(K8S, name), 'utf8')).toBe(contents);
    }
  });

  it.each(['gateway', ...SERVICE_NAMES])('%s: a Deployment running its command, probed on its port, with Service, HPA and PDB', (name) => {
    const deployment = byKind('Deployment').find((d) => d.metadata.name === name);
    const container = deployment.spec.template.spec.containers[0];
    expect(existsSync(path.join(PROJECT_ROOT, container.command[1].replace(/^dist\//, '').replace(/\.js$/, '.ts')))).toBe(true);
    expect(container.ports[0].containerPort).toBe(PORTS[name]);
    expect(container.readinessProbe.httpGet.path).toBe('/ready');
    expect(container.livenessProbe.httpGet.path).toBe('/health');
    expect(container.securityContext.runAsNonRoot).toBe(true);
    const service = byKind('Service').find((d) => d.metadata.name === name);
    expect(service.spec.ports[0].port).toBe(PORTS[name]);
    expect(service.spec.selector).toEqual(deployment.spec.selector.matchLabels);
    const hpa = byKind('HorizontalPodAutoscaler').find((d) => d.metadata.name === name);
    expect(hpa.spec.scaleTargetRef.name).toBe(name);
    expect(hpa.spec.maxReplicas).toBeGreaterThan(hpa.spec.minReplicas);
    const pdb = byKind('PodDisruptionBudget').find((d) => d.metadata.name === name);
    expect(pdb.spec.selector.matchLabels).toEqual(deployment.spec.selector.matchLabels);
  });

  it('configures only variables the services read, and runs migrations in a Job', () => {
    const keys = [...Object.keys(byKind('ConfigMap')[0].data), ...Object.keys(byKind('Secret')[0].stringData)];
    expect(keys.filter((k) => !ENV_KEYS.includes(k))).toEqual([]);
    const job = byKind('Job')[0];
    expect(job.spec.template.spec.containers[0].command).toEqual(['node', 'dist/scripts/migrate.js']);
    expect(existsSync(path.join(PROJECT_ROOT, 'scripts', 'migrate.ts'))).toBe(true);
  });

  it('points every service at the others by their Service names and ports', () => {
    const data = byKind('ConfigMap')[0].data;
    for (const name of SERVICE_NAMES) expect(data[`${name.toUpperCase().replace(/-/g, '_')}_URL`]).toBe(`http://${name}:${PORTS[name]}/graphql`);
  });
});

describe('Prometheus alert rules', () => {
  const rules = parse(readFileSync(path.join(PROJECT_ROOT, 'deploy', 'prometheus', 'alerts.yml'), 'utf8')).groups.flatMap((g: any) => g.rules);
  const metrics = registeredMetrics();

  it('cover error rate, latency, a subgraph down, outbox lag and dead letters', () => {
    expect(rules.map((r: any) => r.alert)).toEqual(expect.arrayContaining(['HighErrorRate', 'HighLatencyP95', 'SubgraphDown', 'OutboxLagging', 'DeadLetters']));
  });

  it('only use metrics the services export', () => {
    for (const rule of rules) {
      const used = [...String(rule.expr).matchAll(/\b([a-z_]+?)(?:_bucket|_count|_sum)?\s*[{[)]/g)]
        .map((m) => m[1])
        .filter((n) => n.includes('_') && !['histogram_quantile', 'by'].includes(n));
      for (const name of used) expect([name, metrics.has(name)]).toEqual([name, true]);
    }
  });
});
