import type { IncomingMessage } from 'node:http';
import { refusalReasonOf, type TokenVerifier } from '#platform/infra/auth/viewer';
import type { ClientAddressOf } from '#platform/infra/http/client-address';
import { HttpRefusal, type RequestInfo } from '#platform/infra/http/http-server';
import type { ResolvedPartner } from '#platform/contracts/partner-client';
import type { GatewayContext } from '../context.type';
import type { PartnerGate } from '../partners/partner-gate';
import { isPublicOperation, staleTokenWarning } from './stale-token';
import { threatRefusal, type ThreatDetector, type ThreatSignal } from './threats';

/** What the edge learnt about a request before GraphQL, for the context. */
interface EdgeState {
  partner: ResolvedPartner | null;
  threatSignals: ThreatSignal[];
  /** The parsed body, kept to decide what a stale token gets (only looked at when a token is refused). */
  body: unknown;
}

export interface RequestEdgeOptions {
  partners: PartnerGate;
  threats: ThreatDetector;
  clientAddress: ClientAddressOf;
  verify: TokenVerifier;
}

/**
 * A request at the edge, before and into GraphQL: `prepareBody` identifies a partner, counts the
 * caller's rate as a threat signal and admits partner operations; `context` builds the GraphQL
 * context from what it learnt and the caller's token (a stale token on a public query is answered
 * as anonymous, with a warning).
 */
export function createRequestEdge({ partners, threats, clientAddress, verify }: RequestEdgeOptions) {
  const edgeStates = new WeakMap<IncomingMessage, EdgeState>();

  async function prepareBody(body: unknown, info: RequestInfo): Promise<unknown> {
    const partner = await partners.identify(info);
    const clientIp = clientAddress(info.req);
    const state: EdgeState = { partner, threatSignals: [], body };
    edgeStates.set(info.req, state);
    const botRate = await threats.observeRate(
      partner ? `partner:${partner.id}` : `ip:${clientIp}`,
      partner?.tier ?? null,
    );
    if (botRate) {
      state.threatSignals.push(botRate);
      if (threats.reportEdge({ requestId: info.requestId, clientIp, partnerId: partner?.id }, botRate)) {
        const refusal = threatRefusal();
        throw new HttpRefusal(403, refusal.message, 'FORBIDDEN', { reason: 'THREAT_DETECTED' });
      }
    }
    if (!partner) return body;
    return (await partners.admit(body, partner, (info.req.method ?? 'GET').toUpperCase(), info)).body;
  }

  async function context({ req, requestId, log: requestLog, deadline }: RequestInfo): Promise<GatewayContext> {
    const edge = edgeStates.get(req);
    const userAgent = req.headers['user-agent'];
    const common = {
      requestId,
      clientIp: clientAddress(req),
      userAgent: typeof userAgent === 'string' ? userAgent.slice(0, 512) : null,
      threatSignals: edge?.threatSignals,
      deadline,
    };
    // A partner request carries no user token (the edge refuses both at once).
    if (edge?.partner)
      return {
        ...common,
        log: requestLog.child({ partnerId: edge.partner.id }),
        viewer: null,
        partner: edge.partner,
      };
    const authorization = typeof req.headers.authorization === 'string' ? req.headers.authorization : undefined;
    try {
      const viewer = await verify(authorization);
      return { ...common, log: requestLog, viewer, authorization: viewer ? authorization : undefined };
    } catch (err) {
      // A stale token on a public query: answered as anonymous, with a warning (docs/revocation.md).
      const reason = refusalReasonOf(err);
      const search = (req.url ?? '').includes('?') ? (req.url ?? '').slice((req.url ?? '').indexOf('?')) : '';
      if (reason && isPublicOperation(edge?.body, search))
        return { ...common, log: requestLog, viewer: null, tokenWarning: staleTokenWarning(reason) };
      throw err;
    }
  }

  return { prepareBody, context };
}
