import { randomUUID } from 'node:crypto';
import { startGateway, type RunningGateway } from '../gateway/server';
import { LANDING_CSP } from '../gateway/explorer/landing';
import { Role } from '#platform/infra/schema/shared-types';
import { startTestStack, type TestStack } from './helpers/stack';
import { postQuery } from './helpers/http';

/**
 * The landing page over HTTP, in development and in production: `/` and `/graphql` in a browser give
 * the same page (Sandbox, or the way to /explorer), and in production introspection — which Sandbox
 * needs — stays for admins only. The browser behaviour is in explorer.e2e.test.ts.
 */
let t: TestStack;
let production: RunningGateway;

beforeAll(async () => {
  t = await startTestStack();
  // A production gateway in front of the same subgraphs (it needs only GATEWAY_SECRET of the secrets).
  production = await startGateway({ ...t.config, NODE_ENV: 'production', isProduction: true }, { port: 0 });
});

afterAll(async () => {
  await production?.stop();
  await t?.stop();
});

const html = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' };

describe.each([
  ['development', () => t.gatewayUrl, /Log in to send your access token/],
  ['production', () => production.url, /In production the schema is for administrators/],
])('the landing page in %s', (_mode, url, note) => {
  it('is served at / with its CSP, and links to the offline explorer', async () => {
    const res = await fetch(url().replace(/\/graphql$/, '/'), { headers: html });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('content-security-policy')).toBe(LANDING_CSP);
    const page = await res.text();
    expect(page).toMatch(note);
    expect(page).toContain('href="/explorer"');
    expect(page).toContain('<script src="/explorer/assets/landing.js"></script>');
    expect(page).not.toMatch(/<script>(?!<)/); // no inline script
  });

  it('is what a browser gets at /graphql too (not Apollo’s CDN-only page or its splash page)', async () => {
    const [root, graphql] = await Promise.all([
      fetch(url().replace(/\/graphql$/, '/'), { headers: html }).then((r) => r.text()),
      fetch(url(), { headers: html }).then((r) => r.text()),
    ]);
    expect(graphql).toBe(root);
  });

  it('leaves GraphQL over GET and POST untouched', async () => {
    const get = await fetch(`${url()}?query=${encodeURIComponent('{ __typename }')}`, {
      headers: { 'apollo-require-preflight': 'true' },
    });
    expect(((await get.json()) as any).data).toEqual({ __typename: 'Query' });
  });
});

describe('Sandbox in production', () => {
  const INTROSPECTION = '{ __schema { queryType { name } } }';
  const post = (token?: string) =>
    postQuery(production.url, INTROSPECTION, {}, { token }).then((r) => ({ status: r.status, body: r.json }));

  it('introspection is for admins only: anonymous, buyer and seller are refused, an admin gets the schema', async () => {
    const anonymous = await post();
    expect(anonymous.body.errors[0].extensions.code).toBe('FORBIDDEN');
    for (const role of [Role.BUYER, Role.SELLER]) {
      const res = await post(await t.tokenFor(randomUUID(), [role]));
      expect([role, res.body.errors?.[0]?.extensions?.code]).toEqual([role, 'FORBIDDEN']);
    }
    const admin = await post(await t.tokenFor(randomUUID(), [Role.ADMIN]));
    expect(admin.body.errors).toBeUndefined();
    expect(admin.body.data.__schema.queryType.name).toBe('Query');
  });

  it('the CORS preflight Sandbox sends from its own origin is allowed', async () => {
    const res = await fetch(production.url, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://sandbox.embed.apollographql.com',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type',
      },
    });
    expect(res.status).toBeLessThan(300);
    expect(res.headers.get('access-control-allow-origin')).toBe('https://sandbox.embed.apollographql.com');
  });
});
