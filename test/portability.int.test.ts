import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { createGatewayRuntime } from '@graphql-hive/gateway-runtime';
import { verifyGatewayRequest } from '#platform/infra/auth/gateway-signature';
import { SUPERGRAPH_PATH } from '#platform/infra/paths';
import { Role } from '#platform/infra/schema/shared-types';
import { useHemp } from '../gateway/portable/hive-signature-plugin';
import { signSubgraphRequest } from '../gateway/portable/router-coprocessor';
import { insertListings, insertUsers } from './helpers/fixtures';
import { startTestStack, type TestStack } from './helpers/stack';

/** The committed supergraph served by another gateway in front of the same subgraphs. */
describe('the supergraph outside our gateway', () => {
  let t: TestStack;
  let hive: http.Server;
  let hiveUrl: string;
  let dispose: () => Promise<void>;
  let token: string;
  let sellerId: string;

  beforeAll(async () => {
    t = await startTestStack();
    const sellers = await insertUsers(t.stack, 4);
    sellerId = sellers[0].id;
    await insertListings(t.stack, sellers, 5);
    token = await t.tokenFor(sellerId, [Role.SELLER]);
    const committedDefaults = {
      'http://localhost:4001/graphql': t.stack.subgraphs['identity-consent'].url,
      'http://localhost:4002/graphql': t.stack.subgraphs['listings-matching'].url,
      'http://localhost:4003/graphql': t.stack.subgraphs['external-sources'].url,
      'http://localhost:4004/graphql': t.stack.subgraphs.analytics.url,
    };
    const runtime = createGatewayRuntime({
      supergraph: readFileSync(SUPERGRAPH_PATH, 'utf8'),
      logging: false,
      plugins: () => [useHemp({ secret: t.config.GATEWAY_SECRET, subgraphUrls: committedDefaults }) as never],
    });
    dispose = async () => {
      // Node 20 has no Symbol.asyncDispose of its own; the runtime uses the well-known polyfill key.
      const disposeKey =
        (Symbol as unknown as { asyncDispose?: symbol }).asyncDispose ?? Symbol.for('Symbol.asyncDispose');
      await (runtime as unknown as Record<symbol, () => Promise<void>>)[disposeKey]?.();
    };
    hive = http.createServer(runtime as never);
    await new Promise<void>((resolve) => hive.listen(0, '127.0.0.1', resolve));
    hiveUrl = `http://127.0.0.1:${(hive.address() as AddressInfo).port}/graphql`;
  });

  afterAll(async () => {
    await new Promise((r) => hive?.close(r));
    await dispose?.();
    await t?.stop();
  });

  async function ask(url: string, query: string, auth?: string) {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(auth ? { authorization: `Bearer ${auth}` } : {}) },
      body: JSON.stringify({ query }),
    });
    return (await res.json()) as { data?: unknown; errors?: unknown[] };
  }

  it('Hive Gateway gives the same answer as ours for a cross-subgraph query', async () => {
    const query = `{ listings(first: 10, sort: PRICE_ASC) { totalCount edges { node { id title pricePerKg { amount } seller { id displayName } } } }
                     dataSources { slug requiredAccessLevel } }`;
    const ours = await ask(t.gatewayUrl, query);
    const theirs = await ask(hiveUrl, query);
    expect(ours.errors).toBeUndefined();
    expect(theirs).toEqual(ours);
  });

  it('forwards the caller’s identity, so protected fields behave the same', async () => {
    const query =
      `query { me { id email } listings(first: 3, filter: { sellerId: "${'${SELLER}'}" }) { edges { node { seller { email } } } } }`.replace(
        '${SELLER}',
        sellerId,
      );
    const ours = await ask(t.gatewayUrl, query, token);
    const theirs = await ask(hiveUrl, query, token);
    expect(ours.errors).toBeUndefined();
    expect(theirs).toEqual(ours);
  });

  it('an Apollo Router coprocessor payload comes back signed so a subgraph accepts it', async () => {
    const signed = signSubgraphRequest(t.config.GATEWAY_SECRET, {
      version: 1,
      stage: 'SubgraphRequest',
      control: 'continue',
      id: 'router-request-1',
      headers: { authorization: [`Bearer ${token}`], 'user-agent': ['router-test'], 'x-client-ip': ['6.6.6.6'] },
      // the router hands over the parsed body and writes its own bytes: key order and spacing differ
      body: { variables: {}, query: '{ me { id } }' },
      method: 'POST',
      uri: t.stack.subgraphs['identity-consent'].url,
    });
    const headers = signed.headers as Record<string, string[]>;
    expect(headers['x-client-ip']).toBeUndefined();
    const wire = JSON.stringify({ query: '{ me { id } }', variables: {} }, null, 1);
    const get = (h: string) => headers[h]?.[0];
    expect(
      verifyGatewayRequest(t.config.GATEWAY_SECRET, { method: 'POST', pathWithQuery: '/graphql', body: wire, get }, 60)
        .ok,
    ).toBe(true);
    const send = (body: string) =>
      fetch(t.stack.subgraphs['identity-consent'].url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, v[0]])),
        },
        body,
      });
    // another body under the coprocessor's signature is refused
    expect((await send(JSON.stringify({ query: '{ me { id email } }' }))).status).toBe(401);
    const res = await send(wire);
    expect(res.status).toBe(200);
    expect(((await res.json()) as any).data.me.id).toBe(sellerId);
    // and the same request a second time is a replay
    expect((await send(wire)).status).toBe(401);
  });

  it('an Apollo Router coprocessor payload without the body is stopped, not sent unsigned', () => {
    const out = signSubgraphRequest(t.config.GATEWAY_SECRET, {
      version: 1,
      stage: 'SubgraphRequest',
      control: 'continue',
      id: 'x',
      headers: {},
    });
    expect(out.control).toEqual({ break: 500 });
  });
});
