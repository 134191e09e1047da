/**
 * The "log in" form shared by the landing page and the offline explorer (browser script, served
 * as /explorer/assets/login.js). It calls the API's own `login` mutation on this origin and keeps
 * the access token in sessionStorage (this tab only), so nobody has to copy and paste a token.
 */
export const LOGIN_CLIENT_JS = String.raw`/* Log in through the API's login mutation and keep the token in this tab. */
(function () {
  'use strict';
  var KEY = 'explorer-token';
  var listeners = [];
  var LOGIN = 'mutation ExplorerLogin($email: String!, $password: String!) { login(email: $email, password: $password) { accessToken expiresAt user { displayName roles } } }';

  function setStatus(text, isError) {
    var status = document.getElementById('login-status');
    if (!status) return;
    status.textContent = text;
    status.className = isError ? 'login-error' : 'login-ok';
  }

  function setToken(token, who) {
    if (token) window.sessionStorage.setItem(KEY, token);
    else window.sessionStorage.removeItem(KEY);
    if (who !== undefined) {
      if (who) window.sessionStorage.setItem(KEY + '-who', who);
      else window.sessionStorage.removeItem(KEY + '-who');
    }
    listeners.forEach(function (fn) { fn(token); });
  }

  window.HempLogin = {
    token: function () { return window.sessionStorage.getItem(KEY) || ''; },
    who: function () { return window.sessionStorage.getItem(KEY + '-who') || ''; },
    setToken: setToken,
    onToken: function (fn) { listeners.push(fn); },
  };

  var form = document.getElementById('login-form');
  if (!form) return;
  if (window.HempLogin.who()) setStatus('Logged in as ' + window.HempLogin.who(), false);
  form.addEventListener('submit', function (event) {
    event.preventDefault();
    var email = document.getElementById('login-email').value.trim();
    var password = document.getElementById('login-password').value;
    setStatus('Logging in…', false);
    fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ operationName: 'ExplorerLogin', query: LOGIN, variables: { email: email, password: password } }),
    })
      .then(function (r) { return r.json(); })
      .then(function (body) {
        var payload = body && body.data && body.data.login;
        if (!payload) {
          var error = (body && body.errors && body.errors[0]) || { message: 'no answer' };
          setStatus('Login failed: ' + error.message, true);
          return;
        }
        document.getElementById('login-password').value = '';
        var who = payload.user.displayName + ' (' + payload.user.roles.join(', ') + ')';
        setToken(payload.accessToken, who);
        setStatus('Logged in as ' + who + '; the token expires at ' + payload.expiresAt, false);
      })
      .catch(function (err) { setStatus('Login failed: ' + err.message, true); });
  });
  var logout = document.getElementById('logout');
  if (logout) {
    logout.addEventListener('click', function () {
      setToken('', '');
      setStatus('Logged out', false);
    });
  }
})();
`;

/** The form itself, the same markup on both pages. */
export const LOGIN_FORM_HTML = `<form id="login-form" autocomplete="on">
  <input id="login-email" name="email" type="email" placeholder="email" required autocomplete="username">
  <input id="login-password" name="password" type="password" placeholder="password" required autocomplete="current-password">
  <button id="login" type="submit">Log in</button>
  <button id="logout" type="button">Log out</button>
  <span id="login-status" role="status"></span>
</form>`;
