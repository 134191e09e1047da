/** The offline explorer's browser script, served as /explorer/assets/explorer.js (no inline script: CSP forbids it). */
export const EXPLORER_CLIENT_JS = String.raw`/* The offline explorer: GraphiQL from the gateway's own assets, talking to /graphql on this origin. */
(function () {
  'use strict';
  var params = new URLSearchParams(window.location.search);
  var tokenInput = document.getElementById('token');
  tokenInput.value = window.HempLogin.token();

  function fetcher(graphQLParams, options) {
    var token = tokenInput.value.trim();
    var headers = { 'content-type': 'application/json', accept: 'application/json' };
    if (token) headers.authorization = 'Bearer ' + token;
    var extra = (options && options.headers) || {};
    Object.keys(extra).forEach(function (k) { headers[k] = extra[k]; });
    return fetch('/graphql', { method: 'POST', headers: headers, body: JSON.stringify(graphQLParams) }).then(function (r) {
      return r.json();
    });
  }

  var root = ReactDOM.createRoot(document.getElementById('graphiql'));
  var generation = 0;
  function render() {
    generation += 1;
    root.render(
      React.createElement(GraphiQL, {
        key: generation,
        fetcher: fetcher,
        defaultQuery: params.get('query') || '{\n  systemHealth { status services { name status latencyMs } }\n}\n',
        shouldPersistHeaders: false,
      }),
    );
  }
  document.getElementById('use-token').addEventListener('click', function () {
    window.HempLogin.setToken(tokenInput.value.trim(), '');
  });
  // The log-in form (login.js) fills the token field: nobody has to paste one.
  window.HempLogin.onToken(function (token) {
    tokenInput.value = token;
    render();
  });
  render();
})();
`;
