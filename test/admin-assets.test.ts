import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { adminRoutes, pickEncoding } from '../gateway/admin/admin';
import type { RouteHandler } from '#platform/infra/http/http-server';

/** The console's assets: compressed, cached by content, revalidated with ETags; the page preloads them. */
describe('admin console assets', () => {
  let server: http.Server;
  let base: string;
  let routes: Record<string, RouteHandler>;

  beforeAll(async () => {
    routes = adminRoutes();
    server = http.createServer((req, res) => {
      const route = routes[(req.url ?? '/').split('?')[0]];
      if (route) void route(req, res);
      else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  /** Raw bytes (undici's fetch would decode them), with the response headers. */
  function get(pathname: string, headers: Record<string, string> = {}) {
    return new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
      http
        .get(`${base}${pathname}`, { headers }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
        })
        .on('error', reject);
    });
  }

  it('picks brotli, then gzip, and honours q=0', () => {
    expect(pickEncoding('gzip, deflate, br')).toBe('br');
    expect(pickEncoding('gzip;q=0.8, br;q=0')).toBe('gzip');
    expect(pickEncoding('*')).toBe('gzip');
    expect(pickEncoding('deflate')).toBe('identity');
    expect(pickEncoding(undefined)).toBe('identity');
    expect(pickEncoding('br;q=0, gzip;q=0')).toBe('identity');
  });

  it('serves ECharts at a content-hashed URL, immutable, preloaded by the page, and brotli or gzip', async () => {
    const page = await get('/admin');
    const html = page.body.toString();
    const url = /data-echarts="(\/admin\/assets\/echarts-[\w-]{16}\.js)"/.exec(html)?.[1];
    expect(url).toBeDefined();
    expect(html).toContain(`<link rel="preload" as="script" href="${url}">`);
    expect(html).toContain('<link rel="modulepreload" href="/admin/assets/operations.js">');
    expect(page.headers['cache-control']).toBe('no-store');

    const plain = await get(url!);
    expect(plain.status).toBe(200);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(plain.headers.vary).toBe('Accept-Encoding');
    expect(plain.body.length).toBeGreaterThan(900_000);

    const br = await get(url!, { 'accept-encoding': 'gzip, deflate, br' });
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.body.length).toBeLessThan(plain.body.length / 3);
    expect(brotliDecompressSync(br.body).equals(plain.body)).toBe(true);

    const gz = await get(url!, { 'accept-encoding': 'gzip' });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gz.body).equals(plain.body)).toBe(true);
    expect(new Set([plain.headers.etag, br.headers.etag, gz.headers.etag]).size).toBe(3);
  });

  it('answers 304 to a matching If-None-Match and the whole module to a stale one', async () => {
    const first = await get('/admin/assets/operations.js', { 'accept-encoding': 'br' });
    expect(first.status).toBe(200);
    expect(first.headers['cache-control']).toBe('no-cache');
    const etag = first.headers.etag!;
    const again = await get('/admin/assets/operations.js', {
      'accept-encoding': 'br',
      'if-none-match': `W/"x", ${etag}`,
    });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
    expect(again.headers.etag).toBe(etag);
    const stale = await get('/admin/assets/operations.js', { 'accept-encoding': 'br', 'if-none-match': '"stale"' });
    expect(stale.status).toBe(200);
    // the same ETag for another encoding is another representation
    expect((await get('/admin/assets/operations.js', { 'if-none-match': etag })).status).toBe(200);
  });

  it('serves the GraphQL documents and no route outside the console', async () => {
    const ops = await get('/admin/assets/operations.js');
    expect(ops.body.toString()).toMatch(/^export const OPERATIONS = \{"Admin/);
    expect(Object.keys(routes).every((r) => r.startsWith('/admin'))).toBe(true);
  });
});
