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

/** Metric names in a PromQL expression: label matchers, ranges, strings and grouping clauses removed, functions skipped. */
const PROMQL_WORDS = new Set([
  'sum', 'max', 'min', 'avg', 'count', 'topk', 'bottomk', 'rate', 'irate', 'increase', 'delta', 'histogram_quantile',
  'clamp_min', 'clamp_max', 'abs', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'and', 'or', 'unless', 'bool', 'offset',
]);
function metricsIn(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(?:by|without|on|ignoring)\s*\([^)]*\)/g, ' ');
  return [...stripped.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)].map((m) => m[0]).filter((w) => !PROMQL_WORDS.has(w));
}

describe('Grafana dashboards', () => {
  const DASHBOARDS = path.join(PROJECT_ROOT, 'deploy', 'grafana', 'dashboards');
  const dashboards = readdirSync(DASHBOARDS)
    .filter((f) => f.endsWith('.json'))
    .map((f) => ({ file: f, ...JSON.parse(readFileSync(path.join(DASHBOARDS, f), 'utf8')) }));
  const panels = dashboards.flatMap((d: any) => d.panels.filter((p: any) => p.type !== 'row').map((p: any) => ({ dashboard: d.file, ...p })));
  const exprs: string[] = panels.flatMap((p: any) => p.targets.map((t: any) => t.expr));
  const registered = registeredMetrics();
  // and Prometheus's own `up` (per scrape target)
  const exported = new Set([...registered, 'up']);
  const datasources = parse(readFileSync(path.join(PROJECT_ROOT, 'deploy', 'grafana', 'provisioning', 'datasources', 'datasources.yml'), 'utf8')).datasources;

  it('every panel queries at least one metric, and only metrics the services export', () => {
    expect(panels.length).toBeGreaterThan(20);
    for (const panel of panels) {
      for (const target of panel.targets) {
        const used = metricsIn(target.expr);
        expect([panel.dashboard, panel.title, used.length > 0]).toEqual([panel.dashboard, panel.title, true]);
        for (const name of used) {
          const base = name.replace(/_(bucket|count|sum)$/, '');
          expect([panel.title, name, exported.has(name) || registered.has(base)]).toEqual([panel.title, name, true]);
        }
      }
    }
  });

  it('the metric check catches a metric nobody exports', () => {
    expect(metricsIn('histogram_quantile(0.95, sum by (le, operation) (rate(graphql_operation_duration_seconds_bucket{service="gateway"}[5m])))')).toEqual([
      'graphql_operation_duration_seconds_bucket',
    ]);
    expect(metricsIn('sum by (tier) (rate(partner_requests_totl[$__rate_interval]))').every((n) => exported.has(n))).toBe(false);
  });

  it('show rate, errors and duration per operation and per subgraph, breakers, event lag and dead letters, partner tiers, crawls and rejections', () => {
    const all = exprs.join('\n');
    for (const needle of [
      'graphql_operation_duration_seconds_count{service="gateway"}',
      'graphql_operation_duration_seconds_count{service="gateway",outcome="error"}',
      'graphql_operation_duration_seconds_bucket{service="gateway"}',
      'sum by (subgraph) (rate(subgraph_request_duration_seconds_count',
      'subgraph_request_duration_seconds_count{outcome!="ok"}',
      'subgraph_request_duration_seconds_bucket',
      'sum by (service) (rate(graphql_operation_duration_seconds_count{service!="gateway",outcome="error"}',
      'subgraph_breaker_open',
      'external_source_breaker_open',
      'events_consumer_lag',
      'events_outbox_lag_seconds',
      'events_dead_letters',
      'sum by (tier) (rate(partner_requests_total',
      'external_crawl_runs_total',
      'external_crawl_records_total{outcome="rejected"}',
    ]) {
      expect([needle, all.includes(needle)]).toEqual([needle, true]);
    }
  });

  it('use only provisioned data sources, and have unique uids', () => {
    const uids = new Set(datasources.map((d: any) => d.uid));
    for (const panel of panels) {
      expect(uids.has(panel.datasource.uid)).toBe(true);
      for (const target of panel.targets) expect(uids.has(target.datasource.uid)).toBe(true);
    }
    const dashboardUids = dashboards.map((d: any) => d.uid);
    expect(new Set(dashboardUids).size).toBe(dashboardUids.length);
  });
});

describe('Prometheus scrape config', () => {
  const config = parse(readFileSync(path.join(PROJECT_ROOT, 'deploy', 'prometheus', 'prometheus.yml'), 'utf8'));

  it('scrapes every service, every replica, on its port, under the job names the alerts use', () => {
    const jobs = Object.fromEntries(config.scrape_configs.map((j: any) => [j.job_name, j]));
    for (const name of ['gateway', ...SERVICE_NAMES]) {
      const sd = jobs[name].dns_sd_configs[0];
      expect([name, sd.names, sd.type, sd.port]).toEqual([name, [name], 'A', PORTS[name]]);
    }
    const alerts = readFileSync(path.join(PROJECT_ROOT, 'deploy', 'prometheus', 'alerts.yml'), 'utf8');
    for (const name of Object.keys(jobs)) expect(alerts).toContain(name);
  });

  it('loads the alert rules', () => {
    expect(config.rule_files).toEqual(['/etc/prometheus/alerts.yml']);
  });
});
