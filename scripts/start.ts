import '#platform/infra/observability/tracing-register'; // first: tracing must load before pg and http
import { runMain } from '#platform/infra/service/main';
import type { AppConfig } from '#platform/infra/config';
import { startStack, type RunningStack } from './stack';
import { loadDemoData, type DemoData } from './demo-data';

/** What a newcomer needs after `npm start`: where to click, and whom to log in as. */
export function startBanner(stack: RunningStack, config: AppConfig, seconds: string, demo: DemoData | null): string {
  const gateway = stack.gateway.url.replace(/\/graphql$/, '');
  const db = config.DATABASE_URL ? 'PostgreSQL (DATABASE_URL)' : `embedded PostgreSQL in ${config.DATA_DIR}/pglite`;
  const lines = [
    '',
    `  Hemp marketplace API ready in ${seconds}s`,
    '',
    `  In a browser:  ${gateway}/            Apollo Sandbox (needs internet; otherwise it links to the explorer)`,
    `  Explorer:      ${gateway}/explorer    offline GraphiQL served by the gateway, with a log-in form`,
    `  Admin console: ${gateway}/admin       charts for ADMIN users (health, funnel, market, sources, privacy, audit)`,
    `  GraphQL:       ${gateway}/graphql     POST application/json`,
    `  Metrics:       ${gateway}/metrics     Prometheus (each subgraph has its own /metrics; /health and /ready too)`,
    '',
    ...Object.values(stack.subgraphs).map((s) => `  ${s.name.padEnd(18)} ${s.url}`),
    ...(stack.simulators?.handles.map((h) => `  ${h.slug.padEnd(22)} ${h.url}   (simulated source)`) ?? []),
    `  Database:  ${db}${demo?.listings ? ` (loaded ${demo.listings} demo listings)` : ''}`,
    '',
    config.BOOTSTRAP_ADMIN_EMAIL && config.BOOTSTRAP_ADMIN_PASSWORD
      ? `  Admin:     ${config.BOOTSTRAP_ADMIN_EMAIL} (password: the BOOTSTRAP_ADMIN_PASSWORD you set)`
      : demo
        ? `  Admin:     ${demo.admin.email}   password: ${demo.admin.password}   (made for this data directory)`
        : '  Admin:     none; set BOOTSTRAP_ADMIN_EMAIL and BOOTSTRAP_ADMIN_PASSWORD to create one at start',
    ...(demo
      ? [
          '  Demo accounts (embedded database only):',
          ...demo.accounts.map((a) => `    ${a.role.padEnd(7)} ${a.email}   password: ${a.password}`),
          `    PARTNER ${demo.partner.tier} API key ${demo.partner.apiKey}`,
          `  Partner example:  HEMP_API_KEY=${demo.partner.apiKey} npm run example:partner`,
        ]
      : []),
    '',
  ];
  return lines.join('\n') + '\n';
}

/** `npm start`: every service in one process on one machine, embedded database unless DATABASE_URL. */
if (require.main === module) {
  runMain('stack', async (config) => {
    const stack = await startStack(config);
    // Demo data on the embedded database only: a real PostgreSQL deployment starts empty.
    const demo = !config.DATABASE_URL && config.DEMO_DATA === 'true' ? await loadDemoData(stack) : null;
    // Since the process started (performance.now()'s origin), module loading included: what a user waits.
    const seconds = (performance.now() / 1000).toFixed(1);
    process.stdout.write(startBanner(stack, config, seconds, demo));
    return stack;
  });
}
