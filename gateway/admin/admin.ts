import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { promisify } from 'node:util';
import { brotliCompress, brotliCompressSync, constants as zlib, gzip, gzipSync } from 'node:zlib';
import { print, type DocumentNode } from 'graphql';
import { PROJECT_ROOT } from '#platform/infra/paths';
import type { RouteHandler } from '#platform/infra/http/http-server';
import * as generated from '../../schema/generated/graphql';
import { adminPage } from './admin.page';

/** Where `npm run build` puts the console's browser modules (gateway/admin/client, compiled as ES modules). */
export const ADMIN_CLIENT_DIR = path.join(PROJECT_ROOT, 'dist', 'admin-console', 'gateway', 'admin', 'client');
const ECHARTS = path.join(PROJECT_ROOT, 'node_modules', 'echarts', 'dist', 'echarts.min.js');

const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
/** A URL that names its content's hash never changes meaning: browsers keep it a year without asking. */
const IMMUTABLE = 'public, max-age=31536000, immutable';
/** The modules keep their names across builds: browsers ask each time and get 304 while unchanged. */
const REVALIDATE = 'no-cache';

/**
 * The console's GraphQL documents, printed from the codegen output (schema/operations/admin/*.graphql),
 * served as an ES module. The browser posts them to /graphql like any other client.
 */
export function adminOperationsModule(): string {
  return `export const OPERATIONS = ${JSON.stringify(adminOperations())};\n`;
}

/** Each console operation's name and text (the benchmark sends them as the console does). */
export function adminOperations(): Record<string, string> {
  const texts: Record<string, string> = {};
  for (const [name, value] of Object.entries(generated)) {
    if (!name.startsWith('Admin') || !name.endsWith('Document')) continue;
    const doc = value as unknown as DocumentNode;
    const operation = doc.definitions.find((d) => d.kind === 'OperationDefinition');
    if (operation?.kind === 'OperationDefinition' && operation.name) texts[operation.name.value] = print(doc);
  }
  return texts;
}

type Encoding = 'br' | 'gzip' | 'identity';

/**
 * Which encoding to send for an Accept-Encoding header: brotli, then gzip, when the client accepts
 * them (q > 0); otherwise the body as is.
 */
export function pickEncoding(acceptEncoding: string | undefined): Encoding {
  const accepted = new Set<string>();
  for (const part of (acceptEncoding ?? '').split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    if (name && !(q && Number(q.slice(2)) === 0)) accepted.add(name);
  }
  if (accepted.has('br')) return 'br';
  if (accepted.has('gzip') || accepted.has('*')) return 'gzip';
  return 'identity';
}

const gzipAsync = promisify(gzip);
const brotliAsync = promisify(brotliCompress);

type Bodies = Record<Encoding, Buffer>;

/** Below this, an asset is compressed on the spot when the routes are made (well under a millisecond). */
const SMALL_ASSET_BYTES = 64 * 1024;
const BROTLI = (size: number) => ({
  params: { [zlib.BROTLI_PARAM_QUALITY]: 6, [zlib.BROTLI_PARAM_SIZE_HINT]: size },
});

/**
 * One static asset: its body, an ETag from its content, and its brotli and gzip forms, compressed
 * once. The modules are small and compressed when the routes are made. ECharts (1 MB as is, about
 * 300 KB in brotli) is compressed off the event loop (zlib's thread pool) when the console is first
 * opened (`prepare`, called by the page): a gateway nobody opens the console on never spends it,
 * and the modules the sign-in form needs never queue behind it.
 */
export function staticAsset(
  type: string,
  body: Buffer,
  cacheControl: string,
): RouteHandler & { hash: string; prepare: () => Promise<Bodies> } {
  const hash = createHash('sha256').update(body).digest('base64url').slice(0, 16);
  let compressed: Promise<Bodies> | undefined =
    body.length < SMALL_ASSET_BYTES
      ? Promise.resolve({ br: brotliCompressSync(body, BROTLI(body.length)), gzip: gzipSync(body), identity: body })
      : undefined;
  const prepare = () =>
    (compressed ??= Promise.all([brotliAsync(body, BROTLI(body.length)), gzipAsync(body, { level: 6 })]).then(
      ([br, gz]) => ({ br, gzip: gz, identity: body }),
      () => ({ br: body, gzip: body, identity: body }), // never fails a request: sent as is
    ));
  const handler = async (req: IncomingMessage, res: ServerResponse) => {
    const encoding = pickEncoding(req.headers['accept-encoding']);
    const etag = `"${hash}${encoding === 'identity' ? '' : `-${encoding}`}"`;
    const headers: Record<string, string> = {
      'cache-control': cacheControl,
      etag,
      vary: 'Accept-Encoding',
      'x-content-type-options': 'nosniff',
    };
    const ifNoneMatch = req.headers['if-none-match'];
    if (ifNoneMatch && ifNoneMatch.split(',').some((t) => t.trim().replace(/^W\//, '') === etag)) {
      res.writeHead(304, headers);
      res.end();
      return;
    }
    const bodies = await prepare();
    const sent = bodies[encoding];
    res.writeHead(200, {
      ...headers,
      'content-type': `${type}; charset=utf-8`,
      'content-length': String(sent.length),
      ...(sent !== body ? { 'content-encoding': encoding } : {}),
    });
    res.end(sent);
  };
  return Object.assign(handler, { hash, prepare });
}

/** GET routes for the admin console: the page, its modules, its operations and ECharts, all from this install. */
export function adminRoutes(clientDir = ADMIN_CLIENT_DIR): Record<string, RouteHandler> {
  const echarts = staticAsset('text/javascript', readFileSync(ECHARTS), IMMUTABLE);
  const echartsUrl = `/admin/assets/echarts-${echarts.hash}.js`;
  const assets: Record<string, ReturnType<typeof staticAsset>> = {
    [echartsUrl]: echarts,
    '/admin/assets/operations.js': staticAsset('text/javascript', Buffer.from(adminOperationsModule()), REVALIDATE),
  };
  const modules = existsSync(clientDir) ? readdirSync(clientDir).filter((f) => f.endsWith('.js')) : [];
  for (const file of modules)
    assets[`/admin/assets/${file}`] = staticAsset(
      'text/javascript',
      readFileSync(path.join(clientDir, file)),
      REVALIDATE,
    );
  if (!modules.includes('main.js')) {
    // sources checked out but never built: say how to fix it instead of a blank page
    assets['/admin/assets/main.js'] = staticAsset(
      'text/javascript',
      Buffer.from(
        'document.getElementById("app").textContent = "The admin console is not built: run npm run build.";\n',
      ),
      'no-store',
    );
  }
  // every module the page will import, announced up front so the browser fetches them in parallel
  const html = adminPage({
    echarts: echartsUrl,
    modules: ['operations.js', ...modules.filter((f) => f !== 'main.js')].map((f) => `/admin/assets/${f}`),
  });
  const page: RouteHandler = (_req: IncomingMessage, res: ServerResponse) => {
    for (const asset of Object.values(assets)) void asset.prepare(); // the browser asks for them next
    res.writeHead(200, {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': CSP,
      'x-frame-options': 'DENY',
      'cache-control': 'no-store',
    });
    res.end(html);
  };
  return { ...assets, '/admin': page, '/admin/': page };
}
