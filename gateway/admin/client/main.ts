import { currentSession, signIn, signOut, whenSignedOut } from './api.js';
import { auditPage } from './audit.js';
import { funnelPage } from './funnel.js';
import { marketPage } from './market.js';
import { overviewPage } from './overview.js';
import { privacyPage } from './privacy.js';
import { sourcesPage } from './sources.js';
import { disposeCharts, drawCharts, h, loadCharts, loadChartsWhenIdle } from './ui.js';

type Page = (rerender: () => void) => Promise<HTMLElement>;
const PAGES: Array<{ id: string; title: string; render: Page }> = [
  { id: 'overview', title: 'Overview', render: overviewPage },
  { id: 'funnel', title: 'Funnel', render: funnelPage },
  { id: 'market', title: 'Market', render: marketPage },
  { id: 'sources', title: 'Sources', render: sourcesPage },
  { id: 'privacy', title: 'Privacy', render: privacyPage },
  { id: 'audit', title: 'Audit', render: auditPage },
];

const app = document.getElementById('app')!;
let renderGeneration = 0;

function currentPage() {
  const id = location.hash.replace(/^#\/?/, '');
  return PAGES.find((p) => p.id === id) ?? PAGES[0];
}

function loginView(message?: string): void {
  disposeCharts();
  document.title = 'Sign in · Hemp marketplace admin';
  const email = h('input', {
    id: 'email',
    type: 'email',
    autocomplete: 'username',
    required: true,
  }) as HTMLInputElement;
  const password = h('input', {
    id: 'password',
    type: 'password',
    autocomplete: 'current-password',
    required: true,
  }) as HTMLInputElement;
  const error = h('p', { id: 'login-error', className: 'error', role: 'alert' }, message ?? '');
  const submit = h('button', { type: 'submit', className: 'primary' }, 'Sign in') as HTMLButtonElement;
  const form = h(
    'form',
    {
      id: 'login',
      'aria-labelledby': 'login-title',
      onsubmit: async (e: Event) => {
        e.preventDefault();
        submit.disabled = true;
        error.textContent = '';
        try {
          const result = await signIn(email.value.trim(), password.value);
          if (result.ok) void shell();
          else {
            error.textContent = result.message;
            password.value = '';
            password.focus();
          }
        } catch (err) {
          error.textContent = `Could not reach the API: ${(err as Error).message}`;
        } finally {
          submit.disabled = false;
        }
      },
    },
    h('h1', { id: 'login-title', style: 'font-size:1.2rem;margin-top:0' }, 'Hemp marketplace admin'),
    h('p', { className: 'muted' }, 'For administrators. Your session lives in this tab only.'),
    h('label', { for: 'email' }, 'Email'),
    email,
    h('label', { for: 'password' }, 'Password'),
    password,
    submit,
    error,
  );
  app.replaceChildren(h('main', { id: 'main' }, form));
  email.focus();
  // since navigation started: npm run bench:admin reports it as the page's own cold and warm load
  if (!performance.getEntriesByName('sign-in-form').length) performance.mark('sign-in-form');
}

async function shell(): Promise<void> {
  const session = currentSession();
  if (!session) return loginView();
  const main = h('main', { id: 'main', tabindex: '-1' });
  const nav = h(
    'nav',
    { 'aria-label': 'Console pages' },
    ...PAGES.map((p) => h('a', { href: `#/${p.id}`, 'data-page': p.id }, p.title)),
  );
  app.replaceChildren(
    h(
      'header',
      {},
      h('h1', {}, 'Admin'),
      nav,
      h('span', { className: 'muted', style: 'color:#dfe' }, session.user.displayName),
      h(
        'button',
        { type: 'button', id: 'sign-out', onclick: async () => (await signOut(), loginView('Signed out.')) },
        'Sign out',
      ),
    ),
    main,
  );
  await renderPage(main, true);
}

async function renderPage(main: HTMLElement, focus: boolean): Promise<void> {
  const page = currentPage();
  const generation = ++renderGeneration;
  const started = performance.now();
  document.title = `${page.title} · Hemp marketplace admin`;
  document
    .querySelectorAll('header nav a')
    .forEach((a) =>
      (a as HTMLElement).dataset.page === page.id
        ? a.setAttribute('aria-current', 'page')
        : a.removeAttribute('aria-current'),
    );
  delete document.body.dataset.ready;
  main.setAttribute('aria-busy', 'true');
  try {
    disposeCharts();
    const [content] = await Promise.all([page.render(() => void renderPage(main, false)), loadCharts()]);
    if (generation !== renderGeneration) return; // a newer navigation won
    // where a page's time goes (npm run bench:admin reads these): its requests, then drawing
    document.body.dataset.dataMs = String(Math.round(performance.now() - started));
    main.replaceChildren(content);
    drawCharts();
  } catch (err) {
    if (generation !== renderGeneration || !currentSession()) return;
    disposeCharts();
    main.replaceChildren(
      h(
        'p',
        { id: 'page-error', className: 'error', role: 'alert' },
        `${page.title} could not load: ${(err as Error).message}`,
      ),
    );
  }
  main.removeAttribute('aria-busy');
  // charts render in a microtask after insertion; mark the page ready after them
  await new Promise((r) => requestAnimationFrame(() => r(null)));
  if (generation !== renderGeneration) return;
  document.body.dataset.ready = page.id;
  document.body.dataset.loadMs = String(Math.round(performance.now() - started));
  if (focus) main.focus();
}

whenSignedOut((why) => loginView(why));
window.addEventListener('hashchange', () => {
  const main = document.getElementById('main');
  if (currentSession() && main) void renderPage(main, true);
});
loginView();
loadChartsWhenIdle();
