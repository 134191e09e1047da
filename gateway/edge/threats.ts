import { GraphQLError, Kind, visit, type DocumentNode, type ValueNode } from 'graphql';
import type { ApolloServerPlugin } from '@apollo/server';
import { Counter } from 'prom-client';
import type { AppConfig } from '#platform/infra/config';
import type { Logger } from '#platform/infra/observability/logger';
import type { ServiceMetrics } from '#platform/infra/observability/metrics';
import type { PartnerTierName } from '#platform/contracts/partner-client';
import type { GatewayContext } from '../context.type';
import { scanValue, type ThreatKind } from './threat-patterns';
import { createMemoryClientRate, type ClientRateCounter } from './client-rate';
import type { SecurityAuditEntry } from '#platform/contracts/security-audit-client';

export interface ThreatSignal {
  kind: ThreatKind;
  name: string;
  weight: number;
  /** Where it was found: `$variable.path`, `argument field.arg`, or `client`. */
  where: string;
}

export const BOT_RATE_WEIGHT = 50;
/** What one request may ask the scanner to read; past it, block mode refuses instead of skipping the rest. */
export interface ScanBudget {
  maxValues: number;
  maxChars: number;
  maxDepth: number;
}
export const DEFAULT_SCAN_BUDGET: ScanBudget = { maxValues: 10_000, maxChars: 2 * 1024 * 1024, maxDepth: 32 };
const MAX_SIGNALS_LOGGED = 20;
/** Variables whose values never reach a log line, even as an excerpt. */
const SECRET_NAME = /pass(word)?|secret|token|credential|api.?key/i;

export type ThreatMode = 'observe' | 'block';

/** What a blocked request receives: coded, without saying which pattern matched. */
export function threatRefusal(): GraphQLError {
  return new GraphQLError('Request refused by threat detection', {
    extensions: { code: 'FORBIDDEN', reason: 'THREAT_DETECTED', http: { status: 403 } },
  });
}

/** A short, single-line excerpt of a suspicious value for the security log (never of a secret). */
function excerpt(where: string, value: string): string | undefined {
  if (SECRET_NAME.test(where)) return undefined;
  return value.slice(0, 80).replace(/[\r\n\t]+/g, ' ');
}

interface Collector {
  out: Array<[string, string]>;
  chars: number;
  exceeded: boolean;
  budget: ScanBudget;
}

function take(c: Collector, path: string, value: string): void {
  if (c.out.length >= c.budget.maxValues || c.chars + value.length > c.budget.maxChars) {
    c.exceeded = true;
    return;
  }
  c.chars += value.length;
  c.out.push([path, value]);
}

function collectVariables(value: unknown, path: string, c: Collector, depth = 0): void {
  if (c.exceeded) return;
  if (depth > c.budget.maxDepth) {
    c.exceeded = true;
    return;
  }
  if (typeof value === 'string') take(c, path, value);
  else if (Array.isArray(value)) value.forEach((v, i) => collectVariables(v, `${path}[${i}]`, c, depth + 1));
  else if (value && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) collectVariables(v, `${path}.${k}`, c, depth + 1);
}

/** A string literal of the document with where it is, or null where the literals nest deeper than the budget. */
type LiteralStep = readonly [path: string, value: string] | null;

function literalSteps(node: ValueNode, path: string, maxDepth: number, out: LiteralStep[], depth = 0): boolean {
  if (depth > maxDepth) {
    out.push(null);
    return false;
  }
  if (node.kind === Kind.STRING) out.push([path, node.value]);
  else if (node.kind === Kind.LIST) {
    for (let i = 0; i < node.values.length; i++)
      if (!literalSteps(node.values[i], `${path}[${i}]`, maxDepth, out, depth + 1)) return false;
  } else if (node.kind === Kind.OBJECT) {
    for (const f of node.fields)
      if (!literalSteps(f.value, `${path}.${f.name.value}`, maxDepth, out, depth + 1)) return false;
  }
  return true;
}

/**
 * The literals in the arguments of a document's fields and directives, in order, read once per
 * document (Apollo keeps one parsed document per query text): walking the document on every
 * request was 5 % of the gateway's CPU on cached catalogue answers.
 */
const documentLiterals = new WeakMap<DocumentNode, { maxDepth: number; steps: LiteralStep[] }>();

function literalsOf(document: DocumentNode, maxDepth: number): LiteralStep[] {
  const known = documentLiterals.get(document);
  if (known && known.maxDepth === maxDepth) return known.steps;
  const steps: LiteralStep[] = [];
  let deep = false;
  const owners: string[] = [];
  visit(document, {
    Field: { enter: (n) => void owners.push(n.name.value), leave: () => void owners.pop() },
    Directive: { enter: (n) => void owners.push(`@${n.name.value}`), leave: () => void owners.pop() },
    Argument(n) {
      if (deep) return false;
      deep = !literalSteps(n.value, `argument ${owners[owners.length - 1] ?? '?'}.${n.name.value}`, maxDepth, steps);
      return false;
    },
  });
  documentLiterals.set(document, { maxDepth, steps });
  return steps;
}

/**
 * Every string a request carries (variables, and literals in the arguments of fields and
 * directives), and whether the request holds more than the budget lets the scanner read.
 */
export function collectRequestStrings(
  document: DocumentNode | undefined,
  variables: Record<string, unknown> | undefined,
  budget: ScanBudget = DEFAULT_SCAN_BUDGET,
): { strings: Array<[string, string]>; exceeded: boolean } {
  const c: Collector = { out: [], chars: 0, exceeded: false, budget };
  collectVariables(variables ?? {}, '$', c);
  if (document && !c.exceeded) {
    for (const step of literalsOf(document, budget.maxDepth)) {
      if (step === null) c.exceeded = true;
      else take(c, step[0], step[1]);
      if (c.exceeded) break;
    }
  }
  return { strings: c.out, exceeded: c.exceeded };
}

/** Every string a request carries, up to the default budget. */
export function requestStrings(
  document: DocumentNode | undefined,
  variables: Record<string, unknown> | undefined,
): Array<[string, string]> {
  return collectRequestStrings(document, variables).strings;
}

export function scoreOf(signals: readonly ThreatSignal[]): number {
  // Each pattern counts once however often it recurs, so a long list of one mistake is not an attack.
  const byName = new Map<string, number>();
  for (const s of signals)
    byName.set(`${s.kind}:${s.name}`, Math.max(byName.get(`${s.kind}:${s.name}`) ?? 0, s.weight));
  return Math.min(
    100,
    [...byName.values()].reduce((a, b) => a + b, 0),
  );
}

export interface ThreatDetectorOptions {
  config: Pick<
    AppConfig,
    | 'THREAT_MODE'
    | 'THREAT_BLOCK_SCORE'
    | 'THREAT_BOT_REQUESTS'
    | 'THREAT_BOT_WINDOW_SECONDS'
    | 'PARTNER_LIMIT_WINDOW_SECONDS'
  > & {
    partnerLimits: Record<PartnerTierName, number>;
  };
  metrics: ServiceMetrics;
  log: Logger;
  /** Where a signed-in user's signals also go: identity-consent's audit log. */
  audit?: { record(entry: SecurityAuditEntry): void };
  /** Requests per client and window; this process's own count by default (see client-rate.ts). */
  rate?: ClientRateCounter;
  now?: () => number;
  maxClients?: number;
  scanBudget?: ScanBudget;
}

/**
 * Scores what looks like an attack — SQL, script and path-traversal patterns in variables and
 * inline arguments, and a client (address or partner) sending requests at a bot's rate — then
 * counts it (`threat_signals_total`), writes it to the `security` log and, in block mode, refuses
 * a request whose score reaches THREAT_BLOCK_SCORE with FORBIDDEN (`reason: THREAT_DETECTED`).
 * FORBIDDEN rather than BAD_USER_INPUT: the input is not malformed, policy refuses it, and the
 * answer does not say which pattern matched.
 */
export function createThreatDetector(options: ThreatDetectorOptions) {
  const { config, metrics } = options;
  const scanBudget = options.scanBudget ?? DEFAULT_SCAN_BUDGET;
  const security = options.log.child({ logger: 'security' });
  const rate =
    options.rate ??
    createMemoryClientRate({
      windowMs: config.THREAT_BOT_WINDOW_SECONDS * 1000,
      maxClients: options.maxClients,
      now: options.now,
    });
  const signals = new Counter({
    name: 'threat_signals_total',
    help: 'Threat signals seen at the gateway by kind, pattern and what was done',
    labelNames: ['kind', 'pattern', 'action'] as const,
    registers: [metrics.registry],
  });

  /** Requests a client may send per bot window before it looks automated; partners get at least twice their tier's limit. */
  function botThreshold(tier: PartnerTierName | null): number {
    if (!tier) return config.THREAT_BOT_REQUESTS;
    const tierPerBotWindow =
      (config.partnerLimits[tier] * config.THREAT_BOT_WINDOW_SECONDS) / config.PARTNER_LIMIT_WINDOW_SECONDS;
    return Math.max(config.THREAT_BOT_REQUESTS, Math.ceil(2 * tierPerBotWindow));
  }

  const blocks = (score: number) => config.THREAT_MODE === 'block' && score >= config.THREAT_BLOCK_SCORE;

  function report(
    ctx: { requestId: string; clientIp: string | null; partnerId?: string; userId?: string; operation?: string | null },
    found: ThreatSignal[],
    values: Map<string, string>,
    reportedBefore: readonly ThreatSignal[] = [],
  ): { score: number; blocked: boolean } {
    const score = scoreOf([...reportedBefore, ...found]);
    const blocked = blocks(score);
    const action = blocked ? 'blocked' : 'observed';
    for (const s of found) signals.inc({ kind: s.kind, pattern: s.name, action });
    security.warn(
      {
        requestId: ctx.requestId,
        clientIp: ctx.clientIp,
        partnerId: ctx.partnerId,
        userId: ctx.userId,
        operation: ctx.operation ?? null,
        score,
        mode: config.THREAT_MODE,
        action,
        signals: [...reportedBefore, ...found].slice(0, MAX_SIGNALS_LOGGED).map((s) => ({
          kind: s.kind,
          pattern: s.name,
          where: s.where,
          excerpt: values.has(s.where) ? excerpt(s.where, values.get(s.where) as string) : undefined,
        })),
      },
      blocked ? 'request blocked by threat detection' : 'suspicious request observed',
    );
    if (ctx.userId) {
      options.audit?.record({
        userId: ctx.userId,
        requestId: ctx.requestId,
        score,
        action,
        signals: [...reportedBefore, ...found].map((s) => `${s.kind}:${s.name}`),
      });
    }
    return { score, blocked };
  }

  return {
    /** Counts one request of a client; a signal once it goes past the bot threshold in its current window. */
    async observeRate(clientKey: string, tier: PartnerTierName | null): Promise<ThreatSignal | null> {
      const count = await rate.count(clientKey);
      return count > botThreshold(tier)
        ? { kind: 'bot_rate', name: 'request_rate', weight: BOT_RATE_WEIGHT, where: 'client' }
        : null;
    },
    close: () => rate.close(),

    /** For a signal found before GraphQL (the bot rate): reports it and says whether to refuse now. */
    reportEdge(ctx: { requestId: string; clientIp: string | null; partnerId?: string }, signal: ThreatSignal): boolean {
      return report(ctx, [signal], new Map()).blocked;
    },

    plugin(): ApolloServerPlugin<GatewayContext> {
      return {
        async requestDidStart() {
          return {
            async didResolveOperation({ document, request, contextValue, operationName }) {
              const { strings, exceeded } = collectRequestStrings(document, request.variables, scanBudget);
              const found: ThreatSignal[] = [];
              const values = new Map<string, string>();
              // More than the scanner may read: block mode cannot vouch for the rest, so it refuses.
              if (exceeded)
                found.push({ kind: 'scan_budget', name: 'scan_budget_exceeded', weight: 100, where: 'request' });
              for (const [where, value] of strings) {
                for (const m of scanValue(value)) {
                  found.push({ ...m, where });
                  values.set(where, value);
                }
              }
              if (found.length === 0) return;
              // The bot signal, when there was one, was already reported at the edge; it still adds to this score.
              const { blocked } = report(
                {
                  requestId: contextValue.requestId,
                  clientIp: contextValue.clientIp,
                  partnerId: contextValue.partner?.id,
                  userId: contextValue.viewer?.userId,
                  operation: operationName,
                },
                found,
                values,
                contextValue.threatSignals ?? [],
              );
              if (blocked) throw threatRefusal();
            },
          };
        },
      };
    },
  };
}

export type ThreatDetector = ReturnType<typeof createThreatDetector>;
