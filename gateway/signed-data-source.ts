import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { signGatewayRequest, SIGNATURE_HEADER } from '../platform/auth/gateway-signature';
import type { GatewayContext } from './context.type';

/**
 * Every subgraph request carries the request id, the caller's credentials and client details as
 * the gateway saw them, and the gateway's signature over all of them. Nothing a client sent in
 * these headers is passed on: the gateway sets each one itself.
 */
export class SignedDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  constructor(
    options: { url: string; name: string; timeoutMs: number },
    private readonly secret: string,
  ) {
    // A deadline on every subgraph call, so a hung subgraph costs one timeout, not a stuck request.
    const timeoutMs = options.timeoutMs;
    super({
      url: options.url,
      fetcher: ((url: string, init: RequestInit) => fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) })) as never,
    });
  }

  override willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<GatewayContext>): void {
    const headers = request.http?.headers;
    if (!headers || !context?.requestId) return;
    headers.set('x-request-id', context.requestId);
    if (context.authorization) headers.set('authorization', context.authorization);
    if (context.clientIp) headers.set('x-client-ip', context.clientIp);
    if (context.userAgent) headers.set('x-client-user-agent', context.userAgent);
    headers.set(SIGNATURE_HEADER, signGatewayRequest(this.secret, (name) => headers.get(name) ?? undefined));
  }
}
