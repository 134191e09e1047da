import { z } from 'zod';
import { parseTrustedProxies } from '#platform/infra/http/client-address';

/**
 * Every environment variable the services read, with its validation and its development default
 * (loadConfig in config.ts turns it into AppConfig and refuses the development secrets in production).
 */

export const DEV_GATEWAY_SECRET = 'development-only-gateway-secret-change-me';
export const DEV_PSEUDONYM_SECRET = 'development-only-pseudonym-secret-change-me';
export const DEV_INTERNAL_SECRET = 'development-only-internal-secret-change-me';

/** A key setting may list several keys, comma-separated: the first signs, all verify (rotation). */
export const keyList = (value: string) =>
  value
    .split(',')
    .map((k) => k.trim())
    .filter((k) => k.length > 0);

const port = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);
const url = (fallback: string) => z.string().url().default(fallback);
const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v));

export const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  HOST: z.string().default('127.0.0.1'),
  DATABASE_URL: optionalString,
  DATA_DIR: z.string().default('.data'),
  REDIS_URL: optionalString,
  GATEWAY_PORT: port(4000),
  /**
   * Gateway processes sharing GATEWAY_PORT (node:cluster; 1: one process, no primary). Above 1 it
   * needs REDIS_URL: partner limits, the bot-rate count and the replay cache must be one per host.
   */
  GATEWAY_WORKERS: z.coerce.number().int().min(1).max(64).default(1),
  IDENTITY_CONSENT_PORT: port(4001),
  LISTINGS_MATCHING_PORT: port(4002),
  EXTERNAL_SOURCES_PORT: port(4003),
  ANALYTICS_PORT: port(4004),
  IDENTITY_CONSENT_URL: url('http://localhost:4001/graphql'),
  LISTINGS_MATCHING_URL: url('http://localhost:4002/graphql'),
  EXTERNAL_SOURCES_URL: url('http://localhost:4003/graphql'),
  ANALYTICS_URL: url('http://localhost:4004/graphql'),
  /** HMAC keys of the gateway's signature on subgraph requests, comma-separated: the first signs, all verify. */
  GATEWAY_SECRET: z.string().min(16).default(DEV_GATEWAY_SECRET),
  /** HMAC keys of service-to-service calls (consent checks, data-subject fan-out, audit, stats); never the gateway's. */
  INTERNAL_SECRET: z.string().min(16).default(DEV_INTERNAL_SECRET),
  GATEWAY_SIGNATURE_MAX_AGE_SECONDS: z.coerce.number().int().positive().max(3600).default(300),
  /** Signatures one process remembers without Redis (the replay cache); Redis holds them when REDIS_URL is set. */
  SIGNATURE_REPLAY_CACHE_SIZE: z.coerce.number().int().min(1000).default(500_000),
  BODY_LIMIT_BYTES: z.coerce.number().int().positive().default(1_048_576),
  SUBGRAPH_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),
  /** Origins allowed to call the gateway from a browser (comma-separated); Apollo Sandbox's by default. */
  CORS_ORIGINS: z.string().default('https://studio.apollographql.com,https://sandbox.embed.apollographql.com'),
  MAX_QUERY_DEPTH: z.coerce.number().int().positive().default(12),
  MAX_QUERY_ALIASES: z.coerce.number().int().positive().default(15),
  MAX_QUERY_DIRECTIVES: z.coerce.number().int().positive().default(20),
  MAX_QUERY_TOKENS: z.coerce.number().int().positive().default(3000),
  /** Price of an operation, computed with its variables: one point per object, multiplied through page sizes (gateway and each subgraph). */
  MAX_QUERY_COST: z.coerce.number().int().positive().default(10000),
  /** Deepest nesting of objects and arrays in an operation's variables (gateway and each subgraph). */
  MAX_VARIABLE_DEPTH: z.coerce.number().int().min(4).max(1000).default(32),
  /** Largest response body of one operation, gateway and each subgraph; past it a coded error takes its place. */
  RESPONSE_MAX_BYTES: z.coerce.number().int().min(1024).default(8_388_608),
  /** Deadline of one operation at the gateway, all subgraph calls included. */
  OPERATION_DEADLINE_MS: z.coerce.number().int().positive().default(15_000),
  /**
   * Admission control at the gateway (gateway/edge/admission.ts): operations executing at once per
   * gateway process; the rest wait in per-operation queues served in turn. 0 turns it off.
   */
  GATEWAY_MAX_CONCURRENCY: z.coerce.number().int().min(0).max(10_000).default(0),
  /**
   * Priority at the gateway (gateway/edge/priority.ts): while a mutation or a query named in
   * GATEWAY_PRIORITY_OPERATIONS is in flight, at most this many other operations execute at once per
   * gateway process; the rest wait (GATEWAY_MAX_QUEUED, GATEWAY_MAX_QUEUE_WAIT_MS). 0 turns it off.
   */
  GATEWAY_PRIORITY_OTHERS: z.coerce.number().int().min(0).max(10_000).default(0),
  /** Query operation names served as priority, comma-separated (mutations always are). */
  GATEWAY_PRIORITY_OPERATIONS: z
    .string()
    .default('Search')
    .transform(
      (s) =>
        new Set(
          s
            .split(',')
            .map((n) => n.trim())
            .filter(Boolean),
        ),
    ),
  /** How long after the last priority operation the limit on the others still holds. */
  GATEWAY_PRIORITY_HOLD_MS: z.coerce.number().int().min(0).max(60_000).default(1000),
  /** Operations waiting for a slot at most (per gateway process); past it they are refused with 503. */
  GATEWAY_MAX_QUEUED: z.coerce.number().int().positive().max(100_000).default(2000),
  /** Longest wait for a slot before an operation is refused with 503. */
  GATEWAY_MAX_QUEUE_WAIT_MS: z.coerce.number().int().positive().max(60_000).default(5000),
  /** Deadline of one operation in a subgraph (below SUBGRAPH_TIMEOUT_MS, so the subgraph answers first). */
  SUBGRAPH_DEADLINE_MS: z.coerce.number().int().positive().default(9_000),
  /**
   * How subgraphs execute operations: `compiled` (graphql-jit, each operation compiled once) or
   * `graphql-js` (the reference executor). The same resolvers and rules either way.
   */
  SUBGRAPH_EXECUTION: z.enum(['compiled', 'graphql-js']).default('compiled'),
  /** Consecutive-failure breaker per subgraph: how long it stays open before trying again. */
  SUBGRAPH_BREAKER_RESET_MS: z.coerce.number().int().positive().default(3000),
  APQ_TTL_SECONDS: z.coerce.number().int().positive().default(86_400),
  /** Catalogue and response cache settings: see docs/performance.md. */
  LISTINGS_EXACT_COUNT_LIMIT: z.coerce.number().int().min(0).default(1000),
  /** The same limit for a catalogue filtered by free text (`filter.text`), at most LISTINGS_EXACT_COUNT_LIMIT. */
  LISTINGS_SEARCH_EXACT_COUNT_LIMIT: z.coerce.number().int().min(0).default(200),
  /** Anonymous and partner answers kept at most this long (0: off); events invalidate sooner. Default 1000, 0 in tests. */
  RESPONSE_CACHE_TTL_MS: z.coerce.number().int().min(0).max(60_000).optional(),
  /**
   * Public entity fields (a seller's display name) kept at the gateway per entity at most this long
   * (0: off); an erasure purges them at once (gateway/entity-cache.ts).
   */
  ENTITY_CACHE_TTL_MS: z.coerce.number().int().min(0).max(600_000).default(60_000),
  /** Entities the gateway's entity cache keeps at most. */
  ENTITY_CACHE_MAX_ENTRIES: z.coerce.number().int().positive().max(1_000_000).default(50_000),
  /** Identical in-flight subgraph queries within one identity scope share one call. */
  SUBGRAPH_DEDUPE: z.enum(['true', 'false']).default('true'),
  /**
   * Subgraph calls on node:http keep-alive sockets (true) or the global fetch (false). Unset: the
   * sockets (a quarter less gateway CPU per catalogue request in an A/B at 100k listings), except
   * with tracing on (the undici instrumentation traces fetch) or under NODE_ENV=test (tests wrap fetch).
   */
  SUBGRAPH_HTTP_AGENT: z.enum(['true', 'false']).optional(),
  JWT_ISSUER: z.string().default('hemp-marketplace'),
  JWT_AUDIENCE: z.string().default('hemp-marketplace-api'),
  /** JSON array of private JWKs (Ed25519); the first signs. Unset: a key is made and kept in DATA_DIR. */
  JWT_PRIVATE_KEYS: optionalString,
  /** Where services other than identity-consent fetch the public keys. */
  JWKS_URL: url('http://localhost:4001/.well-known/jwks.json'),
  BOOTSTRAP_ADMIN_EMAIL: optionalString,
  BOOTSTRAP_ADMIN_PASSWORD: optionalString,
  /** Key of the HMAC that turns user ids into analytics pseudonyms. */
  PSEUDONYM_SECRET: z.string().min(16).default(DEV_PSEUDONYM_SECRET),
  /** Analytics: interactions older than this many days are purged. */
  ANALYTICS_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(365),
  /** Analytics: how often the retention purge runs; 0 turns it off (the default under NODE_ENV=test). */
  ANALYTICS_PURGE_INTERVAL_SECONDS: z.coerce.number().int().min(0).optional(),
  /** Where analytics reads the gateway's operation statistics (the stack sets it to the running gateway). */
  GATEWAY_INTERNAL_URL: url('http://localhost:4000'),
  /** `npm start` loads a few demo sellers and listings into an empty embedded database. */
  DEMO_DATA: z.enum(['true', 'false']).default('true'),
  DB_POOL_SIZE: z.coerce.number().int().positive().default(10),
  /** How long a statement may wait for a free pool connection before failing (fail fast under overload). */
  DB_ACQUIRE_TIMEOUT_MS: z.coerce.number().int().positive().max(120_000).default(5000),
  /** Prefix of every Redis key this deployment writes (tests use a unique one per run). */
  REDIS_KEY_PREFIX: z.string().max(64).default('hemp:'),
  /** Revocation view: how often each service re-reads identity's revocation log (250 ms without Redis, 2000 with). */
  REVOCATION_POLL_MS: z.coerce.number().int().min(50).max(60_000).optional(),
  /**
   * How long identity-consent may hold a view's read of the revocation log until it changes (0:
   * plain reads every REVOCATION_POLL_MS). Unset: a quarter of REVOCATION_MAX_STALENESS_MS, at most 5 s.
   */
  REVOCATION_LONG_POLL_MS: z.coerce.number().int().min(0).max(60_000).optional(),
  /** A service that could not read the revocation log for this long refuses signed-in requests (fail closed). */
  REVOCATION_MAX_STALENESS_MS: z.coerce.number().int().min(1000).max(300_000).default(10_000),
  ACCESS_TOKEN_TTL_SECONDS: z.coerce.number().int().min(60).max(3600).default(900),
  REFRESH_TOKEN_TTL_DAYS: z.coerce.number().int().min(1).max(90).default(30),
  /** Rate limits: attempts per RATE_LIMIT_WINDOW_SECONDS. Tests set low values. */
  RATE_LIMIT_WINDOW_SECONDS: z.coerce.number().int().positive().default(60),
  RATE_LIMIT_LOGIN_PER_EMAIL: z.coerce.number().int().positive().default(5),
  RATE_LIMIT_LOGIN_PER_IP: z.coerce.number().int().positive().default(30),
  /** Sign-in attempts at one account from every address together, so more addresses buy no more guesses. */
  RATE_LIMIT_LOGIN_PER_ACCOUNT: z.coerce.number().int().positive().default(20),
  RATE_LIMIT_REGISTER_PER_EMAIL: z.coerce.number().int().positive().default(5),
  RATE_LIMIT_REGISTER_PER_IP: z.coerce.number().int().positive().default(10),
  RATE_LIMIT_REFRESH_PER_IP: z.coerce.number().int().positive().default(60),
  RATE_LIMIT_CONSENT_PER_USER: z.coerce.number().int().positive().default(20),
  /** How long a gateway may trust a resolved partner key; at most 5 s, so a revocation counts within 5 s. */
  PARTNER_CACHE_TTL_MS: z.coerce.number().int().min(0).max(5000).default(5000),
  /** Partner requests per PARTNER_LIMIT_WINDOW_SECONDS by tier, shared by gateway replicas through Redis. */
  PARTNER_LIMIT_WINDOW_SECONDS: z.coerce.number().int().positive().max(3600).default(60),
  PARTNER_LIMIT_FREE: z.coerce.number().int().positive().default(60),
  PARTNER_LIMIT_STANDARD: z.coerce.number().int().positive().default(600),
  PARTNER_LIMIT_PREMIUM: z.coerce.number().int().positive().default(6000),
  /** Threat detection at the gateway: observe (log and count) or block (refuse scores at or above THREAT_BLOCK_SCORE). */
  THREAT_MODE: z.enum(['observe', 'block']).default('observe'),
  THREAT_BLOCK_SCORE: z.coerce.number().int().min(1).max(100).default(50),
  /** More requests than this from one client (address or partner) per window look like a bot. */
  THREAT_BOT_REQUESTS: z.coerce.number().int().positive().default(1200),
  THREAT_BOT_WINDOW_SECONDS: z.coerce.number().int().positive().max(3600).default(60),
  /** Strings and characters threat detection reads per request; a request with more is refused in block mode. */
  THREAT_SCAN_MAX_VALUES: z.coerce.number().int().positive().default(10_000),
  THREAT_SCAN_MAX_CHARS: z.coerce
    .number()
    .int()
    .positive()
    .default(2 * 1024 * 1024),
  /**
   * Addresses or CIDRs of the proxies in front of the gateway (comma-separated). Only a request
   * whose TCP peer is one of them has its client address taken from Forwarded / X-Forwarded-For.
   */
  TRUSTED_PROXIES: z
    .string()
    .default('')
    .superRefine((value, ctx) => {
      try {
        parseTrustedProxies(value);
      } catch (err) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: (err as Error).message });
      }
    }),
  /** Bearer token `/metrics` asks for; unset: open in development, refused at the gateway in production. */
  METRICS_TOKEN: optionalString.refine((v) => v === undefined || v.length >= 16, 'at least 16 characters'),
  SHUTDOWN_GRACE_MS: z.coerce.number().int().positive().default(10_000),
  /** Domain events: how often relays and consumers look for work when nothing woke them. */
  EVENTS_POLL_MS: z.coerce.number().int().min(5).max(60_000).default(250),
  EVENTS_BATCH_SIZE: z.coerce.number().int().min(1).max(1000).default(100),
  /** Failed deliveries of one event before it goes to the dead-letter table. */
  EVENTS_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(5),
  EVENTS_RETRY_BASE_MS: z.coerce.number().int().min(1).default(1000),
  EVENTS_RETRY_MAX_MS: z.coerce.number().int().min(1).default(300_000),
  /** Redis: a replica silent this long loses its partitions, and its pending messages are claimed. */
  EVENTS_CLAIM_IDLE_MS: z.coerce.number().int().min(10).default(30_000),
  EVENTS_REDIS_PREFIX: z.string().min(1).max(100).default('hemp:events:'),
  /** Redis: streams per consumer group's work; one aggregate always lands in the same one. */
  EVENTS_REDIS_PARTITIONS: z.coerce.number().int().min(1).max(256).default(8),
  EVENTS_STREAM_MAX_LENGTH: z.coerce.number().int().min(1000).default(1_000_000),
  /** Published outbox rows, bus rows and processed-id rows are kept this long. */
  EVENTS_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(7),
  /** Data-subject requests: deadline of one subgraph's export or erasure call. */
  DATA_SUBJECT_TIMEOUT_MS: z.coerce.number().int().min(100).max(300_000).default(15_000),
  /** A finished ACCESS export (it is personal data) is dropped from the request after this long. */
  DATA_SUBJECT_EXPORT_RETENTION_HOURS: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 90)
    .default(168),
  /** Matches stored per match request, best first. */
  MATCH_RESULT_LIMIT: z.coerce.number().int().min(1).max(100).default(20),
  /**
   * Listings (and external offers) the SQL pre-selection hands to exact scoring in a request's first
   * round, at least MATCH_RESULT_LIMIT; a request whose top the cut could have changed runs again
   * with four times as many (match.candidates.ts exactWithin), so this is a cost knob, not a bound
   * on exactness.
   */
  MATCH_CANDIDATE_LIMIT: z.coerce.number().int().min(1).max(2000).default(40),

  // external-sources: where the partners are, how hard to try them, and the credential vault.
  /** Base URLs of the three sources (the simulators by default); they override the seeded base_url. */
  HEMP_SUPPLIERS_NETWORK_URL: url('http://localhost:4101'),
  SA_CANNABIS_EXCHANGE_URL: url('http://localhost:4102'),
  REGULATORY_REGISTRY_URL: url('http://localhost:4103'),
  /** JSON {slug: credential} the crawler presents; unset: the simulators' documented demo credentials. */
  SOURCE_CREDENTIALS: optionalString,
  /** `npm start` runs the source simulators before the subgraphs; never in production. */
  SIMULATORS_ENABLED: z.enum(['true', 'false']).optional(),
  SIMULATOR_SEED: z.string().min(1).default('mzansi-hemp-2024'),
  SIMULATOR_HEMP_SUPPLIERS_PORT: port(4101),
  SIMULATOR_CANNABIS_EXCHANGE_PORT: port(4102),
  SIMULATOR_REGULATORY_REGISTRY_PORT: port(4103),
  /** JSON {kid: base64 32-byte key}; unset: a development key is made and kept in DATA_DIR. */
  VAULT_KEYS: optionalString,
  /** The kid that encrypts new credentials; older kids still decrypt. */
  VAULT_ACTIVE_KID: optionalString,
  /** Scheduled crawl of every source; 0 turns it off (the default under NODE_ENV=test). */
  CRAWL_INTERVAL_SECONDS: z.coerce.number().int().min(0).optional(),
  CRAWL_PAGE_CAP: z.coerce.number().int().positive().default(200),
  /** A RUNNING crawl whose heartbeat is older than this is taken as abandoned and marked FAILED. */
  CRAWL_STALE_AFTER_SECONDS: z.coerce.number().int().positive().default(120),
  /** Rejected records kept per source per run for inspection (all are counted). */
  CRAWL_REJECTIONS_KEPT: z.coerce.number().int().positive().default(5000),
  CONNECTOR_TIMEOUT_MS: z.coerce.number().int().positive().default(5000),
  CONNECTOR_MAX_RETRIES: z.coerce.number().int().min(0).max(10).default(4),
  CONNECTOR_BACKOFF_BASE_MS: z.coerce.number().int().positive().default(250),
  CONNECTOR_BACKOFF_MAX_MS: z.coerce.number().int().positive().default(8000),
  /** Longest Retry-After the connector will wait; longer ones fail the request instead. */
  CONNECTOR_RETRY_AFTER_MAX_MS: z.coerce.number().int().positive().default(30_000),
  CONNECTOR_CONCURRENCY: z.coerce.number().int().positive().max(16).default(3),
  BREAKER_ERROR_THRESHOLD_PERCENT: z.coerce.number().int().min(1).max(100).default(50),
  BREAKER_VOLUME_THRESHOLD: z.coerce.number().int().min(1).default(5),
  BREAKER_RESET_MS: z.coerce.number().int().positive().default(30_000),
  /** Connection tests (testDataSourceConnection) one user may start per RATE_LIMIT_WINDOW_SECONDS. */
  RATE_LIMIT_CONNECTION_TEST_PER_USER: z.coerce.number().int().positive().default(10),
  /**
   * OpenTelemetry (platform/infra/observability/tracing.ts, read by the SDK itself; listed here so deployments may set
   * them). Unset endpoint: no tracing at all. The SDK also honours the other OTEL_* variables.
   */
  OTEL_EXPORTER_OTLP_ENDPOINT: optionalString.pipe(z.string().url().optional()),
  OTEL_SERVICE_NAME: optionalString,
  OTEL_TRACES_SAMPLER: optionalString,
  OTEL_TRACES_SAMPLER_ARG: optionalString,
});

export type Env = z.infer<typeof envSchema>;

/** Every environment variable the services read (docs and the compose-file test check against it). */
export const ENV_KEYS: readonly string[] = Object.keys(envSchema.shape);
