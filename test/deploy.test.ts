import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { ENV_KEYS, loadConfig, SERVICE_NAMES } from '#platform/infra/config';
import { PROJECT_ROOT } from '#platform/infra/paths';
import { IMAGE_NODE_OPTIONS, ONE_HOST_PRIORITY_OTHERS } from '../bench/stack';
import { INGRESS_NAMESPACE, MONITORING_NAMESPACE, renderManifests, SECRET_KEYS } from '../scripts/k8s-manifests';

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
      else if (entry.name.endsWith('.ts'))
        for (const m of readFileSync(full, 'utf8').matchAll(/name: '([a-z_]+)'/g)) names.add(m[1]);
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

  it.each(['gateway', ...SERVICE_NAMES])(
    '%s: a Deployment running its command, probed on its port, with Service, HPA and PDB',
    (name) => {
      const deployment = byKind('Deployment').find((d) => d.metadata.name === name);
      const container = deployment.spec.template.spec.containers[0];
      expect(
        existsSync(path.join(PROJECT_ROOT, container.command[1].replace(/^dist\//, '').replace(/\.js$/, '.ts'))),
      ).toBe(true);
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
    },
  );

  it('configures only variables the services read, and runs migrations in a Job', () => {
    const keys = [
      ...Object.keys(byKind('ConfigMap')[0].data),
      ...byKind('Secret').flatMap((s) => Object.keys(s.stringData)),
    ];
    expect(keys.filter((k) => !ENV_KEYS.includes(k))).toEqual([]);
    const job = byKind('Job')[0];
    expect(job.spec.template.spec.containers[0].command).toEqual(['node', 'dist/scripts/migrate.js']);
    expect(existsSync(path.join(PROJECT_ROOT, 'scripts', 'migrate.ts'))).toBe(true);
  });

  it('points every service at the others by their Service names and ports', () => {
    const data = byKind('ConfigMap')[0].data;
    for (const name of SERVICE_NAMES)
      expect(data[`${name.toUpperCase().replace(/-/g, '_')}_URL`]).toBe(`http://${name}:${PORTS[name]}/graphql`);
  });

  it('gives each service a Secret with only its own keys', () => {
    const workloads = [...byKind('Deployment'), ...byKind('Job')];
    expect(
      byKind('Secret')
        .map((s) => s.metadata.name)
        .sort(),
    ).toEqual(workloads.map((w) => `${w.metadata.name}-secrets`).sort());
    for (const w of workloads) {
      const container = w.spec.template.spec.containers[0];
      const secretRefs = container.envFrom.filter((e: any) => e.secretRef).map((e: any) => e.secretRef.name);
      expect([w.metadata.name, secretRefs]).toEqual([w.metadata.name, [`${w.metadata.name}-secrets`]]);
      const secret = byKind('Secret').find((s) => s.metadata.name === secretRefs[0]);
      expect(Object.keys(secret.stringData).sort()).toEqual([...SECRET_KEYS[w.metadata.name]].sort());
    }
    const holders = (key: string) =>
      byKind('Secret')
        .filter((s) => key in s.stringData)
        .map((s) => s.metadata.name);
    expect(holders('JWT_PRIVATE_KEYS')).toEqual(['identity-consent-secrets']);
    for (const key of ['VAULT_KEYS', 'VAULT_ACTIVE_KID', 'SOURCE_CREDENTIALS'])
      expect(holders(key)).toEqual(['external-sources-secrets']);
    expect(holders('PSEUDONYM_SECRET').sort()).toEqual(['analytics-secrets', 'listings-matching-secrets']);
    expect(holders('DATABASE_URL')).not.toContain('gateway-secrets');
    // what each Secret holds is exactly what that process needs to pass its production checks
    for (const w of workloads) {
      const env = Object.fromEntries(
        Object.keys(byKind('Secret').find((s) => s.metadata.name === `${w.metadata.name}-secrets`).stringData).map(
          // a different 40-character value per key: GATEWAY_SECRET and INTERNAL_SECRET must not share one
          (k) => [k, k === 'DATABASE_URL' ? 'postgres://u:p@db:5432/hemp' : k.padEnd(40, 'x')],
        ),
      );
      expect(() => loadConfig({ ...byKind('ConfigMap')[0].data, ...env }, w.metadata.name)).not.toThrow();
    }
  });

  it('publishes only the gateway, and only its GraphQL and browser routes', () => {
    const [ingress] = byKind('Ingress');
    const paths = ingress.spec.rules.flatMap((r: any) => r.http.paths);
    expect(paths.map((p: any) => p.backend.service.name)).toEqual(paths.map(() => 'gateway'));
    expect(paths.map((p: any) => p.path).sort()).toEqual(['/', '/explorer', '/graphql']);
    const exposes = (route: string) =>
      paths.some((p: any) =>
        p.pathType === 'Exact' ? route === p.path : route === p.path || route.startsWith(`${p.path}/`),
      );
    for (const hidden of ['/metrics', '/ready', '/health', '/internal/operation-stats'])
      expect([hidden, exposes(hidden)]).toEqual([hidden, false]);
    for (const shown of ['/graphql', '/', '/explorer', '/explorer/assets/graphiql.js'])
      expect([shown, exposes(shown)]).toEqual([shown, true]);
  });
});

/** Who may open a connection to whom under the NetworkPolicies (ingress rules; the semantics Kubernetes gives them). */
describe('NetworkPolicies', () => {
  const policies = byKind('NetworkPolicy');
  interface Peer {
    namespace: string;
    labels: Record<string, string>;
  }
  const matches = (selector: any, labels: Record<string, string>) =>
    Object.entries(selector?.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
  const pod = (name: string): Peer => ({
    namespace: 'hemp-marketplace',
    labels: byKind('Deployment').find((d) => d.metadata.name === name).spec.template.metadata.labels,
  });
  function allowed(from: Peer, to: Peer, port: number): boolean {
    const selecting = policies.filter(
      (p) =>
        p.metadata.namespace === to.namespace &&
        matches(p.spec.podSelector, to.labels) &&
        p.spec.policyTypes.includes('Ingress'),
    );
    if (selecting.length === 0) return true;
    return selecting.some((p) =>
      (p.spec.ingress ?? []).some(
        (rule: any) =>
          (rule.ports ?? [{ port }]).some((pt: any) => pt.port === port) &&
          (rule.from ?? []).some((peer: any) => {
            if (peer.namespaceSelector && !peer.podSelector)
              return matches(peer.namespaceSelector, { 'kubernetes.io/metadata.name': from.namespace });
            if (peer.podSelector && !peer.namespaceSelector)
              return from.namespace === to.namespace && matches(peer.podSelector, from.labels);
            return false;
          }),
      ),
    );
  }
  const ingressController: Peer = {
    namespace: INGRESS_NAMESPACE,
    labels: { 'app.kubernetes.io/name': 'ingress-nginx' },
  };
  const prometheus: Peer = { namespace: MONITORING_NAMESPACE, labels: { 'app.kubernetes.io/name': 'prometheus' } };
  const stranger: Peer = { namespace: 'hemp-marketplace', labels: { app: 'debug-shell' } };
  const otherNamespace: Peer = { namespace: 'default', labels: {} };

  it('deny by default: every pod in the namespace is selected by a deny-all ingress policy', () => {
    const denyAll = policies.find((p) => p.metadata.name === 'default-deny-ingress');
    expect(denyAll.spec).toEqual({ podSelector: {}, policyTypes: ['Ingress'] });
  });

  it('lets the ingress controller reach the gateway and nothing else', () => {
    expect(allowed(ingressController, pod('gateway'), PORTS.gateway)).toBe(true);
    for (const name of SERVICE_NAMES)
      expect([name, allowed(ingressController, pod(name), PORTS[name])]).toEqual([name, false]);
  });

  it.each(SERVICE_NAMES)('%s is reachable from the gateway and the other subgraphs only', (name) => {
    expect(allowed(pod('gateway'), pod(name), PORTS[name])).toBe(true);
    for (const other of SERVICE_NAMES.filter((n) => n !== name))
      expect([other, allowed(pod(other), pod(name), PORTS[name])]).toEqual([other, true]);
    expect(allowed(stranger, pod(name), PORTS[name])).toBe(false);
    expect(allowed(otherNamespace, pod(name), PORTS[name])).toBe(false);
    expect(allowed(pod('gateway'), pod(name), 5432)).toBe(false);
    expect(allowed(prometheus, pod(name), PORTS[name])).toBe(true);
  });

  it('lets analytics read the gateway (operation statistics) but no stranger', () => {
    expect(allowed(pod('analytics'), pod('gateway'), PORTS.gateway)).toBe(true);
    expect(allowed(stranger, pod('gateway'), PORTS.gateway)).toBe(false);
    expect(allowed(otherNamespace, pod('gateway'), PORTS.gateway)).toBe(false);
  });
});

describe('Prometheus alert rules', () => {
  const rules = parse(
    readFileSync(path.join(PROJECT_ROOT, 'deploy', 'prometheus', 'alerts.yml'), 'utf8'),
  ).groups.flatMap((g: any) => g.rules);
  const metrics = registeredMetrics();

  it('cover error rate, latency, a subgraph down, outbox lag and dead letters', () => {
    expect(rules.map((r: any) => r.alert)).toEqual(
      expect.arrayContaining(['HighErrorRate', 'HighLatencyP95', 'SubgraphDown', 'OutboxLagging', 'DeadLetters']),
    );
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
  'sum',
  'max',
  'min',
  'avg',
  'count',
  'topk',
  'bottomk',
  'rate',
  'irate',
  'increase',
  'delta',
  'histogram_quantile',
  'clamp_min',
  'clamp_max',
  'abs',
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'and',
  'or',
  'unless',
  'bool',
  'offset',
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
  const panels = dashboards.flatMap((d: any) =>
    d.panels.filter((p: any) => p.type !== 'row').map((p: any) => ({ dashboard: d.file, ...p })),
  );
  const exprs: string[] = panels.flatMap((p: any) => p.targets.map((t: any) => t.expr));
  const registered = registeredMetrics();
  // and Prometheus's own `up` (per scrape target)
  const exported = new Set([...registered, 'up']);
  const datasources = parse(
    readFileSync(
      path.join(PROJECT_ROOT, 'deploy', 'grafana', 'provisioning', 'datasources', 'datasources.yml'),
      'utf8',
    ),
  ).datasources;

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
    expect(
      metricsIn(
        'histogram_quantile(0.95, sum by (le, operation) (rate(graphql_operation_duration_seconds_bucket{service="gateway"}[5m])))',
      ),
    ).toEqual(['graphql_operation_duration_seconds_bucket']);
    expect(
      metricsIn('sum by (tier) (rate(partner_requests_totl[$__rate_interval]))').every((n) => exported.has(n)),
    ).toBe(false);
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

describe('the runtime image', () => {
  it('runs Node with the young generation the bench stack measures', () => {
    const dockerfile = readFileSync(path.join(PROJECT_ROOT, 'Dockerfile'), 'utf8');
    const runtime = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    expect(runtime).toMatch(new RegExp(`^ENV .*\\bNODE_OPTIONS=${IMAGE_NODE_OPTIONS}(\\s|$)`, 'm'));
  });

  it('gives the gateway the priority setting the bench stack measures', () => {
    const compose = parse(readFileSync(path.join(PROJECT_ROOT, 'docker-compose.yml'), 'utf8'));
    expect(compose['x-env'].GATEWAY_PRIORITY_OTHERS).toBe(`\${GATEWAY_PRIORITY_OTHERS:-${ONE_HOST_PRIORITY_OTHERS}}`);
  });
});
