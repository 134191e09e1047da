import type { IncomingMessage } from 'node:http';
import type { ApolloServerPlugin } from '@apollo/server';
import { HttpRefusal, type RequestInfo } from '#platform/infra/http/http-server';
import type { PartnerResolver, ResolvedPartner } from '#platform/contracts/partner-client';
import type { GatewayContext } from '../context.type';
import type { PartnerOperations } from './manifest';
import type { TierLimiter } from './tier-limiter';
import type { PartnerUsage } from './usage-metrics';

export const API_KEY_HEADER = 'x-api-key';
/** identity-consent's keys are `hmp_live_` + 43 base64url characters; anything far off is not looked up. */
const API_KEY_SHAPE = /^[A-Za-z0-9_-]{8,128}$/;
const SHA256_HEX = /^[0-9a-fA-F]{64}$/;
/** How long to ask partners to wait when the shared counters cannot be read (Redis down). */
const LIMITER_UNAVAILABLE_RETRY_SECONDS = 5;

export interface PartnerGateOptions {
  resolver: PartnerResolver;
  operations: PartnerOperations;
  limiter: TierLimiter;
  usage: PartnerUsage;
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

const notInList = (message: string) => new HttpRefusal(400, message, 'PERSISTED_QUERY_NOT_IN_LIST');

/**
 * Partners call the reviewed operations of the partner manifest and nothing else. For a request
 * with `x-api-key` this resolves the partner (401 for an unknown or revoked key), counts it against
 * its tier's limit (429 with `retry-after`), and replaces the body with the manifest's document for
 * `extensions.persistedQuery.sha256Hash` — a hash not in the list, or a `query` that differs from
 * the listed body, is PERSISTED_QUERY_NOT_IN_LIST. Apollo only ever sees the listed document.
 */
export function createPartnerGate(options: PartnerGateOptions) {
  const { resolver, operations, limiter, usage } = options;

  return {
    /** The partner behind the request's API key; null without one. */
    async identify(info: RequestInfo): Promise<ResolvedPartner | null> {
      const apiKey = header(info.req, API_KEY_HEADER);
      if (apiKey === undefined) return null;
      if (header(info.req, 'authorization')) {
        throw new HttpRefusal(400, 'Send either an API key or an access token, not both', 'BAD_USER_INPUT');
      }
      let partner: ResolvedPartner | null = null;
      if (API_KEY_SHAPE.test(apiKey)) {
        try {
          partner = await resolver.resolve(apiKey, info.requestId);
        } catch (err) {
          info.log.error({ err }, 'partner key lookup failed');
          throw new HttpRefusal(
            503,
            'API keys cannot be checked right now; try again shortly',
            'INTERNAL_SERVER_ERROR',
            {},
            { 'retry-after': '5' },
          );
        }
      }
      if (!partner) {
        usage.record(null, null, 'unauthenticated');
        throw new HttpRefusal(401, 'Unknown or revoked API key', 'UNAUTHENTICATED');
      }
      return partner;
    },

    /** The tier limit, then the manifest: returns the body Apollo executes. */
    async admit(
      body: unknown,
      partner: ResolvedPartner,
      method: string,
      info: RequestInfo,
    ): Promise<{ body: unknown; operation: string }> {
      let decision;
      try {
        decision = await limiter.take(partner.id, partner.tier);
      } catch (err) {
        info.log.error({ err }, 'partner rate limiter unavailable');
        decision = { allowed: false, retryAfterSeconds: LIMITER_UNAVAILABLE_RETRY_SECONDS };
      }
      if (!decision.allowed) {
        usage.record(partner.id, null, 'rate_limited', partner.tier);
        const seconds = decision.retryAfterSeconds;
        throw new HttpRefusal(
          429,
          `Request limit of the ${partner.tier} tier reached; try again in ${seconds} second${seconds === 1 ? '' : 's'}`,
          'RATE_LIMITED',
          { retryAfterSeconds: seconds },
          { 'retry-after': String(seconds) },
        );
      }
      const refuse = (message: string) => {
        usage.record(partner.id, null, 'not_in_list', partner.tier);
        return notInList(message);
      };
      if (method !== 'POST') throw refuse('Partner operations are sent with POST');
      if (!body || typeof body !== 'object' || Array.isArray(body))
        throw refuse('Partners send one operation from the partner manifest by its sha256Hash');
      const request = body as {
        query?: unknown;
        operationName?: unknown;
        variables?: unknown;
        extensions?: Record<string, unknown>;
      };
      const persisted = request.extensions?.persistedQuery as { sha256Hash?: unknown } | undefined;
      const hash =
        typeof persisted?.sha256Hash === 'string' && SHA256_HEX.test(persisted.sha256Hash)
          ? persisted.sha256Hash.toLowerCase()
          : null;
      const operation = hash ? operations.byId(hash) : undefined;
      if (!operation)
        throw refuse(
          'Partners may only run the operations of the partner manifest, named by extensions.persistedQuery.sha256Hash',
        );
      if (request.query !== undefined && request.query !== operation.body)
        throw refuse('The document sent is not the listed body of this operation');
      if (request.operationName != null && request.operationName !== operation.name)
        throw refuse(`This hash names ${operation.name}`);
      // Without persistedQuery Apollo neither re-checks the hash nor stores the document as an APQ.
      const { persistedQuery: _persisted, ...extensions } = request.extensions ?? {};
      return {
        operation: operation.name,
        body: { query: operation.body, operationName: operation.name, variables: request.variables, extensions },
      };
    },

    /** Counts each executed partner operation by outcome. */
    usagePlugin(): ApolloServerPlugin<GatewayContext> {
      return {
        async requestDidStart({ contextValue }) {
          if (!contextValue.partner) return;
          return {
            async willSendResponse(ctx) {
              const body = ctx.response.body;
              const failed =
                (ctx.errors?.length ?? 0) > 0 ||
                (body.kind === 'single' && (body.singleResult.errors?.length ?? 0) > 0);
              usage.record(
                contextValue.partner?.id ?? null,
                ctx.operationName ?? null,
                failed ? 'error' : 'ok',
                contextValue.partner?.tier,
              );
            },
          };
        },
      };
    },
  };
}

export type PartnerGate = ReturnType<typeof createPartnerGate>;
