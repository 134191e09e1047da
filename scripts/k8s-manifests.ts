import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { loadConfig, PRODUCTION_REQUIREMENTS, SERVICE_NAMES } from '#platform/infra/config';
import { PROJECT_ROOT } from '#platform/infra/paths';

/**
 * Writes deploy/k8s/*.yaml: one Deployment, Service, HorizontalPodAutoscaler, PodDisruptionBudget
 * and Secret per service, the shared ConfigMap, the migration Job, the Ingress in front of the
 * gateway and the NetworkPolicies that keep the subgraphs behind it. The
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
    ...Object.fromEntries(
      SERVICE_NAMES.map((n) => [
        `${n.toUpperCase().replace(/-/g, '_')}_URL`,
        `http://${n}:${defaults.subgraphPorts[n]}/graphql`,
      ]),
    ),
    // analytics reads the gateway's operation statistics (one replica's, behind the Service)
    GATEWAY_INTERNAL_URL: `http://gateway:${defaults.GATEWAY_PORT}`,
    SHUTDOWN_GRACE_MS: '20000',
    // The ingress controller's pods (the usual pod network); only they may set X-Forwarded-For / Forwarded.
    TRUSTED_PROXIES: '10.0.0.0/8',
  },
};

/**
 * The secret keys each process reads, and nothing else: a compromised gateway pod holds no JWT
 * signing key, vault key or source credential. What each needs to start in production is
 * PRODUCTION_REQUIREMENTS (platform/infra/config.ts); the rest are read by one service only.
 */
export const SECRET_KEYS: Record<string, readonly string[]> = {
  gateway: [...PRODUCTION_REQUIREMENTS.gateway],
  'identity-consent': [...PRODUCTION_REQUIREMENTS['identity-consent'], 'JWT_PRIVATE_KEYS'],
  'listings-matching': [...PRODUCTION_REQUIREMENTS['listings-matching']],
  'external-sources': [
    ...PRODUCTION_REQUIREMENTS['external-sources'],
    'VAULT_KEYS',
    'VAULT_ACTIVE_KID',
    'SOURCE_CREDENTIALS',
  ],
  analytics: [...PRODUCTION_REQUIREMENTS.analytics],
  migrate: PRODUCTION_REQUIREMENTS.migrate,
};

export const secretName = (name: string) => `${name}-secrets`;

/** Placeholders only: create the real ones from `npm run keys` output (see docs/deploy.md). */
function secret(name: string) {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: secretName(name), namespace: NAMESPACE, labels: labels(name) },
    type: 'Opaque',
    stringData: Object.fromEntries([...SECRET_KEYS[name]].sort().map((k) => [k, 'replace-me'])),
  };
}

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
    envFrom: [{ configMapRef: { name: 'hemp-config' } }, { secretRef: { name: secretName(name) } }],
    ...(port
      ? {
          ports: [{ name: 'http', containerPort: port }],
          readinessProbe: { httpGet: { path: '/ready', port: 'http' }, periodSeconds: 5, failureThreshold: 2 },
          livenessProbe: {
            httpGet: { path: '/health', port: 'http' },
            periodSeconds: 10,
            failureThreshold: 3,
            initialDelaySeconds: 10,
          },
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
        metrics: [
          { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } },
        ],
      },
    },
    {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name: s.name, namespace: NAMESPACE },
      spec: { minAvailable: 1, selector: { matchLabels: labels(s.name) } },
    },
    secret(s.name),
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

/** Where the ingress controller and Prometheus run; adjust to the cluster (they are namespace names). */
export const INGRESS_NAMESPACE = 'ingress-nginx';
export const MONITORING_NAMESPACE = 'monitoring';
export const PUBLIC_HOST = 'api.hemp-marketplace.example';

/**
 * Only the gateway is public, and only its browser and GraphQL routes: `/graphql`, the landing page
 * `/` and `/explorer`. `/metrics`, `/ready` and the signed `/internal/...` routes stay in the cluster.
 */
const ingress = {
  apiVersion: 'networking.k8s.io/v1',
  kind: 'Ingress',
  metadata: {
    name: 'gateway',
    namespace: NAMESPACE,
    annotations: {
      'nginx.ingress.kubernetes.io/proxy-body-size': `${Math.ceil(defaults.BODY_LIMIT_BYTES / 1048576)}m`,
    },
  },
  spec: {
    ingressClassName: 'nginx',
    tls: [{ hosts: [PUBLIC_HOST], secretName: 'gateway-tls' }],
    rules: [
      {
        host: PUBLIC_HOST,
        http: {
          paths: [
            { path: '/graphql', pathType: 'Exact' },
            { path: '/', pathType: 'Exact' },
            { path: '/explorer', pathType: 'Prefix' },
          ].map((p) => ({ ...p, backend: { service: { name: 'gateway', port: { name: 'http' } } } })),
        },
      },
    ],
  },
};

const podsOf = (names: readonly string[]) => names.map((n) => ({ podSelector: { matchLabels: labels(n) } }));
const fromNamespace = (ns: string) => ({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': ns } } });

/**
 * Deny every inbound connection in the namespace, then allow: the ingress controller to the
 * gateway; the gateway and the other subgraphs to each subgraph (federation calls, JWKS and the
 * signed internal routes: consent checks, data-subject export and erasure, security audit);
 * analytics to the gateway (its signed operation statistics); Prometheus to every service.
 */
function networkPolicies() {
  const policy = (name: string, podSelector: object, from: object[], port: number) => ({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name, namespace: NAMESPACE },
    spec: { podSelector, policyTypes: ['Ingress'], ingress: [{ from, ports: [{ protocol: 'TCP', port }] }] },
  });
  return [
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'default-deny-ingress', namespace: NAMESPACE },
      spec: { podSelector: {}, policyTypes: ['Ingress'] },
    },
    policy(
      'gateway',
      { matchLabels: labels('gateway') },
      [fromNamespace(INGRESS_NAMESPACE), fromNamespace(MONITORING_NAMESPACE), ...podsOf(['analytics'])],
      defaults.GATEWAY_PORT,
    ),
    ...SERVICE_NAMES.map((name) =>
      policy(
        name,
        { matchLabels: labels(name) },
        [...podsOf(['gateway', ...SERVICE_NAMES.filter((n) => n !== name)]), fromNamespace(MONITORING_NAMESPACE)],
        defaults.subgraphPorts[name],
      ),
    ),
  ];
}

const HEADER = '# Generated by `npm run k8s` from scripts/k8s-manifests.ts. Do not edit by hand.\n';

export function renderManifests(): Record<string, string> {
  const files: Record<string, string> = {
    'namespace.yaml': stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NAMESPACE } }),
    'config.yaml': stringify(configMap),
    'migrate-job.yaml': [migrationJob, secret('migrate')].map((d) => stringify(d)).join('---\n'),
    'ingress.yaml': stringify(ingress),
    'network-policies.yaml': networkPolicies()
      .map((d) => stringify(d))
      .join('---\n'),
  };
  for (const s of SERVICES)
    files[`${s.name}.yaml`] = serviceDocs(s)
      .map((d) => stringify(d))
      .join('---\n');
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
