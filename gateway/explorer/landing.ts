import type { ApolloServerPlugin } from '@apollo/server';
import { LOGIN_FORM_HTML } from './login-client';

/**
 * The gateway's landing page, at `/` and at `/graphql` in a browser. It embeds Apollo Sandbox
 * when Apollo's CDN can be reached, and otherwise says so and links to `/explorer`, which is
 * served entirely by this gateway. The same page serves production: Sandbox needs introspection,
 * which stays admin-only there (adminOnlySchemaPlugin), so an admin logs in with the form and
 * Sandbox sends the token on every request, introspection included.
 */
export const SANDBOX_SCRIPT_URL =
  'https://embeddable-sandbox.cdn.apollographql.com/v2/embeddable-sandbox.umd.production.min.js';
const SANDBOX_FRAME_ORIGIN = 'https://sandbox.embed.apollographql.com';
/** How long the page waits for Apollo's CDN before it says Sandbox cannot be loaded. */
export const SANDBOX_LOAD_TIMEOUT_MS = 8000;

export const LANDING_CSP = [
  "default-src 'self'",
  `script-src 'self' https://embeddable-sandbox.cdn.apollographql.com`,
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  `frame-src ${SANDBOX_FRAME_ORIGIN}`,
].join('; ');

export interface LandingOptions {
  isProduction: boolean;
}

export function landingPage({ isProduction }: LandingOptions): string {
  const note = isProduction
    ? 'In production the schema is for administrators: log in with an ADMIN account and Sandbox sends your token with every request.'
    : 'Log in to send your access token with every request (demo accounts are printed by <code>npm start</code>).';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${LANDING_CSP}">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>Hemp marketplace API</title>
<style>
  html, body { margin: 0; height: 100%; }
  body { display: flex; flex-direction: column; font-family: system-ui, sans-serif; }
  header { display: flex; flex-wrap: wrap; gap: .6rem; align-items: center; padding: .4rem .8rem; background: #1f3d2b; color: #fff; }
  header a { color: #cfe8d5; }
  #login-form { display: flex; gap: .4rem; align-items: center; }
  .login-error { color: #ffb4a8; }
  .login-ok { color: #cfe8d5; }
  #sandbox-status { padding: .3rem .8rem; background: #eef5f0; color: #1f3d2b; font-size: .9rem; }
  #sandbox { flex: 1; min-height: 0; }
  #sandbox iframe { width: 100%; height: 100%; border: 0; }
  #offline { display: none; max-width: 46rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.5; }
  #offline .go { display: inline-block; margin: .6rem 0; padding: .6rem 1rem; background: #1f3d2b; color: #fff; border-radius: 4px; text-decoration: none; font-weight: 600; }
  body.offline #offline { display: block; }
  body.offline #sandbox, body.offline #sandbox-status, body.sandbox-loaded #sandbox-status { display: none; }
</style>
</head>
<body data-production="${isProduction}" data-sandbox-script="${SANDBOX_SCRIPT_URL}" data-sandbox-timeout="${SANDBOX_LOAD_TIMEOUT_MS}">
<header>
  <strong>Hemp marketplace API</strong>
  ${LOGIN_FORM_HTML}
  <a id="explorer-link" href="/explorer">Offline explorer (/explorer)</a>
</header>
<div id="sandbox-status">Loading Apollo Sandbox from Apollo's CDN… ${note} No internet access? Use the <a href="/explorer">offline explorer</a>.</div>
<main id="offline">
  <h1>Apollo Sandbox cannot be loaded</h1>
  <p>Apollo Sandbox comes from Apollo's CDN (<code>embeddable-sandbox.cdn.apollographql.com</code>), which this browser
  cannot reach: this machine appears to be offline, or the CDN is blocked.</p>
  <p>The offline explorer is served by this gateway alone and needs no internet access:</p>
  <a class="go" href="/explorer">Open the offline explorer (/explorer)</a>
  <p>${note}</p>
  <p>The GraphQL endpoint itself works: <code>POST /graphql</code> with <code>content-type: application/json</code>.</p>
</main>
<div id="sandbox"></div>
<script src="/explorer/assets/login.js"></script>
<script src="/explorer/assets/landing.js"></script>
</body>
</html>`;
}

/** The landing page's script (served as /explorer/assets/landing.js: CSP forbids inline scripts). */
export const LANDING_CLIENT_JS = String.raw`/* Embed Apollo Sandbox when its CDN answers; otherwise point to the offline explorer. */
(function () {
  'use strict';
  var body = document.body;
  var endpoint = window.location.origin + '/graphql';
  var sandbox = null;
  var settled = false;

  function offline() {
    if (settled) return;
    settled = true;
    body.classList.add('offline');
  }

  function embed() {
    if (sandbox && typeof sandbox.dispose === 'function') sandbox.dispose();
    document.getElementById('sandbox').innerHTML = '';
    var token = window.HempLogin.token();
    sandbox = new window.EmbeddedSandbox({
      target: '#sandbox',
      initialEndpoint: endpoint,
      endpointIsEditable: false,
      includeCookies: false,
      hideCookieToggle: true,
      runTelemetry: false,
      initialState: { sharedHeaders: token ? { Authorization: 'Bearer ' + token } : {} },
    });
  }

  var script = document.createElement('script');
  script.src = body.getAttribute('data-sandbox-script');
  script.async = true;
  var timer = setTimeout(offline, Number(body.getAttribute('data-sandbox-timeout')) || 8000);
  script.onload = function () {
    clearTimeout(timer);
    if (settled) return;
    if (typeof window.EmbeddedSandbox !== 'function') return offline();
    settled = true;
    body.classList.add('sandbox-loaded');
    embed();
  };
  script.onerror = function () {
    clearTimeout(timer);
    offline();
  };
  document.head.appendChild(script);

  // Logging in (or out) re-embeds Sandbox with the new Authorization header.
  window.HempLogin.onToken(function () {
    if (body.classList.contains('sandbox-loaded')) embed();
  });
})();
`;

/**
 * Apollo Server's landing-page hook: a browser opening `/graphql` gets the same page as `/`,
 * in development and in production alike (instead of Apollo's CDN-only page or its splash page).
 */
export function landingPagePlugin(options: LandingOptions): ApolloServerPlugin {
  const html = landingPage(options);
  return {
    async serverWillStart() {
      return {
        async renderLandingPage() {
          return { html };
        },
      };
    },
  };
}
