import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { loadConfig, SERVICE_NAMES } from '../platform/config';
import { PROJECT_ROOT } from '../platform/paths';

/**
 * Writes deploy/k8s/*.yaml: one Deployment, Service, HorizontalPodAutoscaler and
 * PodDisruptionBudget per service, the shared ConfigMap and Secret, and the migration Job. The
 * manifests are generated from the same defaults the services read, committed, and checked for
 * drift (`npm run k8s -- --check`).
 */
const NAMESPACE = 'hemp-marketplace';
const IMAGE = 'ghcr.io/hemp-marketplace/api:0.1.0';
const defaults = loadConfig({});

const SERVICES: Array<{ name: string; port: number; command: string; replicas: number; maxReplicas: number }> = [
  { name: 'gateway', port: defaults.GATEWAY_PORT, command: 'dist/gateway/index.js', replicas: 2, maxReplicas: 10 },
  ...SERVICE_NAMES.map((name) => ({
    name,
    port: defaults.subgraphPorts[name],
    command: `dist/subgraphs/${name}/index.js`,
    replicas: 2,
    maxReplicas: 6,
  })),
];

const labels = (name: string) => ({ 'app.kubernetes.io/name': name, 'app.kubernetes.io/part-of': 'hemp-marketplace' });

const configMap = {
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'hemp-config', namespace: NAMESPACE },
  data: {
    NODE_ENV: 'production',
    HOST: '0.0.0.0',
    LOG_LEVEL: 'info',
    REDIS_URL: 'redis://redis:6379',
    JWKS_URL: `http://identity-consent:${defaults.IDENTITY_CONSENT_PORT}/.well-known/jwks.json`,
    ...Object.fromEntries(SERVICE_NAMES.map((n) => [`${n.toUpperCase().replace(/-/g, '_')}_URL`, `http://${n}:${defaults.subgraphPorts[n]}/graphql`])),
    // analytics reads the gateway's operation statistics (one replica's, behind the Service)
    GATEWAY_INTERNAL_URL: `http://gateway:${defaults.GATEWAY_PORT}`,
    SHUTDOWN_GRACE_MS: '20000',
    // The ingress controller's pods (the usual pod network); only they may set X-Forwarded-For / Forwarded.
    TRUSTED_PROXIES: '10.0.0.0/8',
  },
};

/** Placeholders only: create the real Secret with `kubectl create secret generic hemp-secrets --from-env-file=.env`. */
const secret = {
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name: 'hemp-secrets', namespace: NAMESPACE },
  type: 'Opaque',
  stringData: Object.fromEntries(
    ['DATABASE_URL', 'GATEWAY_SECRET', 'INTERNAL_SECRET', 'PSEUDONYM_SECRET', 'JWT_PRIVATE_KEYS', 'VAULT_KEYS', 'VAULT_ACTIVE_KID', 'SOURCE_CREDENTIALS', 'METRICS_TOKEN'].map((k) => [k, 'replace-me']),
  ),
};

const securityContext = {
  runAsNonRoot: true,
  runAsUser: 1000,
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  capabilities: { drop: ['ALL'] },
};

function container(name: string, command: string, port?: number) {
  return {
    name,
    image: IMAGE,
    command: ['node', command],
    envFrom: [{ configMapRef: { name: 'hemp-config' } }, { secretRef: { name: 'hemp-secrets' } }],
    ...(port
      ? {
          ports: [{ name: 'http', containerPort: port }],
          readinessProbe: { httpGet: { path: '/ready', port: 'http' }, periodSeconds: 5, failureThreshold: 2 },
          livenessProbe: { httpGet: { path: '/health', port: 'http' }, periodSeconds: 10, failureThreshold: 3, initialDelaySeconds: 10 },
          // Give the load balancer time to stop routing here before SIGTERM starts the drain.
          lifecycle: { preStop: { exec: { command: ['node', '-e', 'setTimeout(() => {}, 5000)'] } } },
        }
      : {}),
    resources: { requests: { cpu: '100m', memory: '192Mi' }, limits: { memory: '512Mi' } },
    securityContext,
  };
}

function serviceDocs(s: (typeof SERVICES)[number]) {
  return [
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: s.name, namespace: NAMESPACE, labels: labels(s.name) },
      spec: {
        replicas: s.replicas,
        selector: { matchLabels: labels(s.name) },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
        template: {
          metadata: { labels: labels(s.name) },
          spec: {
            terminationGracePeriodSeconds: 30,
            containers: [container(s.name, s.command, s.port)],
          },
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: s.name, namespace: NAMESPACE, labels: labels(s.name) },
      spec: { selector: labels(s.name), ports: [{ name: 'http', port: s.port, targetPort: 'http' }] },
    },
    {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: s.name, namespace: NAMESPACE },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: s.name },
        minReplicas: s.replicas,
        maxReplicas: s.maxReplicas,
        metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }],
      },
    },
    {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name: s.name, namespace: NAMESPACE },
      spec: { minAvailable: 1, selector: { matchLabels: labels(s.name) } },
    },
  ];
}

const migrationJob = {
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: { name: 'migrate', namespace: NAMESPACE, annotations: { 'helm.sh/hook': 'pre-install,pre-upgrade' } },
  spec: {
    backoffLimit: 3,
    ttlSecondsAfterFinished: 3600,
    template: { spec: { restartPolicy: 'OnFailure', containers: [container('migrate', 'dist/scripts/migrate.js')] } },
  },
};

const HEADER = '# Generated by `npm run k8s` from scripts/k8s-manifests.ts. Do not edit by hand.\n';

export function renderManifests(): Record<string, string> {
  const files: Record<string, string> = {
    'namespace.yaml': stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NAMESPACE } }),
    'config.yaml': [configMap, secret].map((d) => stringify(d)).join('---\n'),
    'migrate-job.yaml': stringify(migrationJob),
  };
  for (const s of SERVICES) files[`${s.name}.yaml`] = serviceDocs(s).map((d) => stringify(d)).join('---\n');
  return Object.fromEntries(Object.entries(files).map(([k, v]) => [k, HEADER + v]));
}

if (require.main === module) {
  const dir = path.join(PROJECT_ROOT, 'deploy', 'k8s');
  mkdirSync(dir, { recursive: true });
  const check = process.argv.includes('--check');
  const stale: string[] = [];
  for (const [name, contents] of Object.entries(renderManifests())) {
    const file = path.join(dir, name);
    if (existsSync(file) && readFileSync(file, 'utf8') === contents) continue;
    if (check) stale.push(name);
    else writeFileSync(file, contents);
  }
  if (stale.length) {
    process.stderr.write(`deploy/k8s is stale: ${stale.join(', ')}; run npm run k8s\n`);
    process.exit(1);
  }
}
