import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { print, type DocumentNode } from 'graphql';
import { PROJECT_ROOT } from '#platform/infra/paths';
import type { RouteHandler } from '#platform/infra/http/http-server';
import * as generated from '../../schema/generated/graphql';
import { ADMIN_PAGE } from './admin.page';

/** Where `npm run build` puts the console's browser modules (gateway/admin/client, compiled as ES modules). */
export const ADMIN_CLIENT_DIR = path.join(PROJECT_ROOT, 'dist', 'admin-console', 'gateway', 'admin', 'client');
const ECHARTS = path.join(PROJECT_ROOT, 'node_modules', 'echarts', 'dist', 'echarts.min.js');

const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/**
 * The console's GraphQL documents, printed from the codegen output (schema/operations/admin/*.graphql),
 * served as an ES module. The browser posts them to /graphql like any other client.
 */
export function adminOperationsModule(): string {
  const texts: Record<string, string> = {};
  for (const [name, value] of Object.entries(generated)) {
    if (!name.startsWith('Admin') || !name.endsWith('Document')) continue;
    const doc = value as unknown as DocumentNode;
    const operation = doc.definitions.find((d) => d.kind === 'OperationDefinition');
    if (operation?.kind === 'OperationDefinition' && operation.name) texts[operation.name.value] = print(doc);
  }
  return `export const OPERATIONS = ${JSON.stringify(texts)};\n`;
}

function send(res: ServerResponse, status: number, type: string, body: string | Buffer, cache: string) {
  res.writeHead(status, {
    'content-type': `${type}; charset=utf-8`,
    'cache-control': cache,
    'x-content-type-options': 'nosniff',
  });
  res.end(body);
}

/** GET routes for the admin console: the page, its modules, its operations and ECharts, all from this install. */
export function adminRoutes(clientDir = ADMIN_CLIENT_DIR): Record<string, RouteHandler> {
  const operations = adminOperationsModule();
  let echarts: Buffer | undefined;
  const page: RouteHandler = (_req: IncomingMessage, res: ServerResponse) => {
    res.writeHead(200, {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': CSP,
      'x-frame-options': 'DENY',
      'cache-control': 'no-store',
    });
    res.end(ADMIN_PAGE);
  };
  const routes: Record<string, RouteHandler> = {
    '/admin': page,
    '/admin/': page,
    '/admin/assets/operations.js': (_req, res) => send(res, 200, 'text/javascript', operations, 'no-cache'),
    '/admin/assets/echarts.js': (_req, res) => {
      echarts ??= readFileSync(ECHARTS);
      send(res, 200, 'text/javascript', echarts, 'public, max-age=3600');
    },
  };
  const modules = existsSync(clientDir) ? readdirSync(clientDir).filter((f) => f.endsWith('.js')) : [];
  if (!modules.includes('main.js')) {
    // sources checked out but never built: say how to fix it instead of a blank page
    routes['/admin/assets/main.js'] = (_req, res) =>
      send(
        res,
        200,
        'text/javascript',
        'document.getElementById("app").textContent = "The admin console is not built: run npm run build.";\n',
        'no-store',
      );
  }
  const bodies = new Map<string, Buffer>();
  for (const file of modules) {
    routes[`/admin/assets/${file}`] = (_req, res) => {
      let body = bodies.get(file);
      if (!body) {
        body = readFileSync(path.join(clientDir, file));
        bodies.set(file, body);
      }
      send(res, 200, 'text/javascript', body, 'no-cache');
    };
  }
  return routes;
}
