import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createDataSubjectClient,
  ExportBuilder,
  pseudonymousId,
  SUBJECT_ERASE_PATH,
} from '#platform/contracts/data-subject';
import { verifyInternalRequest, INTERNAL_SIGNATURE_HEADER } from '#platform/infra/auth/gateway-signature';
import type { AppConfig } from '#platform/infra/config';

const SECRET = 'unit-test-secret-0123456789abcdef';
const USER = '3f1c2a7e-9b1d-4c55-8e0a-2f4b6d8c1e90';
const REQUEST = '7a9e0b52-1c3d-4e6f-8a1b-2c3d4e5f6a7b';

describe('ExportBuilder', () => {
  it('keeps up to the cap and names the kinds it cut', () => {
    const out = new ExportBuilder(3);
    expect(out.limit).toBe(4);
    const built = out.rows('orders', [1, 2, 3, 4]).rows('listings', [1, 2, 3]).value('profile', { id: USER }).build();
    expect(built).toEqual({
      data: { orders: [1, 2, 3], listings: [1, 2, 3], profile: { id: USER } },
      truncated: ['orders'],
    });
  });
});

describe('pseudonymousId', () => {
  it('is a UUID, stable for a user and key, and different for another user or key', () => {
    const p = pseudonymousId(SECRET, USER);
    expect(p).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(pseudonymousId(SECRET, USER.toUpperCase())).toBe(p);
    expect(pseudonymousId(SECRET, REQUEST)).not.toBe(p);
    expect(pseudonymousId(`${SECRET}-other`, USER)).not.toBe(p);
    expect(p).not.toContain(USER.slice(0, 8));
  });
});

describe('createDataSubjectClient', () => {
  let server: http.Server;
  let mode: 'ok' | 'error' | 'hang' | 'garbage' = 'ok';
  let seen: { path: string; signed: boolean } | null = null;
  let config: Pick<AppConfig, 'subgraphUrls' | 'INTERNAL_SECRET'>;

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const header = req.headers[INTERNAL_SIGNATURE_HEADER] as string | undefined;
      seen = {
        path: req.url ?? '',
        signed: verifyInternalRequest(SECRET, header, req.method ?? '', req.url ?? '', 60).ok,
      };
      if (mode === 'hang') return;
      if (mode === 'error') {
        res.writeHead(500).end('{}');
        return;
      }
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(mode === 'garbage' ? 'not json' : JSON.stringify({ erased: 2, retained: 1, reason: 'kept' }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    // A port that was just free: nothing listens there any more.
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
    config = {
      INTERNAL_SECRET: SECRET,
      subgraphUrls: {
        'identity-consent': url,
        'listings-matching': url,
        'external-sources': url,
        analytics: `http://127.0.0.1:${closedPort}/graphql`,
      },
    };
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('signs a POST with the ids in the query and returns the answer', async () => {
    mode = 'ok';
    const result = await createDataSubjectClient(config, 1000).erase('listings-matching', USER, REQUEST);
    expect(result).toEqual({ erased: 2, retained: 1, reason: 'kept' });
    expect(seen).toEqual({ path: `${SUBJECT_ERASE_PATH}?userId=${USER}&requestId=${REQUEST}`, signed: true });
  });

  it('names the subgraph and the failure: HTTP error, not JSON, deadline, unreachable', async () => {
    const client = createDataSubjectClient(config, 300);
    mode = 'error';
    await expect(client.erase('listings-matching', USER, REQUEST)).rejects.toThrow(
      'listings-matching: answered HTTP 500',
    );
    mode = 'garbage';
    await expect(client.export('external-sources', USER, REQUEST)).rejects.toThrow(
      'external-sources: answered with a body that is not JSON',
    );
    mode = 'hang';
    await expect(client.erase('listings-matching', USER, REQUEST)).rejects.toThrow(
      'listings-matching: did not answer within 300 ms',
    );
    await expect(client.erase('analytics', USER, REQUEST)).rejects.toThrow(/^analytics: unreachable \(ECONNREFUSED\)$/);
  });
});
