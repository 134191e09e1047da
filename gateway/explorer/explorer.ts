import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { PROJECT_ROOT } from '#platform/infra/paths';
import type { RouteHandler } from '#platform/infra/http/http-server';
import { EXPLORER_CLIENT_JS } from './explorer-client';
import { LOGIN_CLIENT_JS, LOGIN_FORM_HTML } from './login-client';
import { LANDING_CLIENT_JS, LANDING_CSP, landingPage, type LandingOptions } from './landing';

/**
 * An explorer for air-gapped admins: GraphiQL and React served from the project's own installed
 * packages, no CDN. Admins log in with the form (or paste an access token); in production
 * introspection needs an ADMIN token.
 */
const ASSETS: Record<string, { file: string; type: string }> = {
  'react.js': { file: 'node_modules/react/umd/react.production.min.js', type: 'text/javascript' },
  'react-dom.js': { file: 'node_modules/react-dom/umd/react-dom.production.min.js', type: 'text/javascript' },
  'graphiql.js': { file: 'node_modules/graphiql/graphiql.min.js', type: 'text/javascript' },
  'graphiql.css': { file: 'node_modules/graphiql/graphiql.min.css', type: 'text/css' },
};

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Hemp marketplace API explorer</title>
<link rel="stylesheet" href="/explorer/assets/graphiql.css">
<style>
  body { margin: 0; height: 100vh; display: flex; flex-direction: column; font-family: system-ui, sans-serif; }
  header { display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; padding: .4rem .8rem; background: #1f3d2b; color: #fff; }
  header a { color: #cfe8d5; }
  #token { flex: 1; min-width: 12rem; max-width: 30rem; }
  #login-form { display: flex; gap: .4rem; align-items: center; }
  .login-error { color: #ffb4a8; }
  .login-ok { color: #cfe8d5; }
  #graphiql { flex: 1; min-height: 0; }
</style>
</head>
<body>
<header>
  <strong>Hemp marketplace API</strong>
  ${LOGIN_FORM_HTML}
  <label for="token">Access token</label>
  <input id="token" type="password" autocomplete="off" placeholder="paste an access token (kept in this tab only)">
  <button id="use-token" type="button">Use token</button>
  <a href="/">Apollo Sandbox</a>
</header>
<div id="graphiql">Loading…</div>
<script src="/explorer/assets/react.js"></script>
<script src="/explorer/assets/react-dom.js"></script>
<script src="/explorer/assets/graphiql.js"></script>
<script src="/explorer/assets/login.js"></script>
<script src="/explorer/assets/explorer.js"></script>
</body>
</html>`;

const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'";

function script(body: string): RouteHandler {
  return (_req, res) => {
    res.writeHead(200, {
      'content-type': 'text/javascript; charset=utf-8',
      'cache-control': 'no-cache',
      'x-content-type-options': 'nosniff',
    });
    res.end(body);
  };
}

/** `/` (the landing page with Apollo Sandbox, or the way to the explorer when offline), `/explorer` and their assets. */
export function explorerRoutes(landing: LandingOptions): Record<string, RouteHandler> {
  const cache = new Map<string, Buffer>();
  const landingHtml = landingPage(landing);
  const routes: Record<string, RouteHandler> = {
    '/': (_req: IncomingMessage, res: ServerResponse) => {
      res.writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'content-security-policy': LANDING_CSP,
        'x-frame-options': 'DENY',
        'cache-control': 'no-store',
      });
      res.end(landingHtml);
    },
    '/explorer': (_req: IncomingMessage, res: ServerResponse) => {
      res.writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'content-security-policy': CSP,
        'x-frame-options': 'DENY',
        'cache-control': 'no-store',
      });
      res.end(PAGE);
    },
    // A trailing slash is the same page: redirect, keeping the query (a shared link with ?query=…).
    '/explorer/': (req: IncomingMessage, res: ServerResponse) => {
      const queryIndex = (req.url ?? '').indexOf('?');
      res.writeHead(308, {
        location: `/explorer${queryIndex >= 0 ? (req.url ?? '').slice(queryIndex) : ''}`,
        'cache-control': 'no-store',
      });
      res.end();
    },
  };
  routes['/explorer/assets/explorer.js'] = script(EXPLORER_CLIENT_JS);
  routes['/explorer/assets/login.js'] = script(LOGIN_CLIENT_JS);
  routes['/explorer/assets/landing.js'] = script(LANDING_CLIENT_JS);
  for (const [name, asset] of Object.entries(ASSETS)) {
    routes[`/explorer/assets/${name}`] = (_req, res) => {
      let body = cache.get(name);
      if (!body) {
        body = readFileSync(path.join(PROJECT_ROOT, asset.file));
        cache.set(name, body);
      }
      res.writeHead(200, {
        'content-type': `${asset.type}; charset=utf-8`,
        'cache-control': 'public, max-age=3600',
        'x-content-type-options': 'nosniff',
      });
      res.end(body);
    };
  }
  return routes;
}
