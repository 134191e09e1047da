import { request } from './api.js';
import { CursorPager, fmt, h, status, table, when } from './ui.js';

const PAGE_SIZE = 50;
const pager = new CursorPager();
let filters = { action: '', actorId: '' };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The chain check recomputes every hash: it runs after the table is shown and fills its own slot. */
function verification(): HTMLElement {
  const slot = h('p', { id: 'audit-verify', role: 'status', 'aria-live': 'polite' }, 'Verifying the hash chain…');
  request('AdminVerifyAuditLog', {})
    .then(({ verifyAuditLog: v }) => {
      slot.dataset.valid = String(v.valid);
      slot.replaceChildren(
        'Hash chain: ',
        status(v.valid ? 'valid' : 'invalid'),
        v.valid
          ? ` — all ${fmt(v.checked)} events verified.`
          : ` — ${fmt(v.checked)} events verified before the break at sequence ${v.firstBrokenSequence}.`,
      );
    })
    .catch((err: Error) => slot.replaceChildren(h('span', { className: 'error' }, `Could not verify: ${err.message}`)));
  return slot;
}

/** Audit: the hash-chained audit log, filtered by action and actor, paged with the API's cursors. */
export async function auditPage(rerender: () => void): Promise<HTMLElement> {
  const { auditLog } = await request('AdminAuditLog', {
    first: PAGE_SIZE,
    after: pager.after,
    action: filters.action || null,
    actorId: filters.actorId || null,
  });
  const action = h('input', {
    id: 'audit-action',
    type: 'text',
    value: filters.action,
    placeholder: 'e.g. user.login',
  }) as HTMLInputElement;
  const actor = h('input', {
    id: 'audit-actor',
    type: 'text',
    value: filters.actorId,
    placeholder: 'user id (UUID)',
    size: 38,
  }) as HTMLInputElement;
  const problem = h('span', { className: 'error', role: 'alert' });
  const form = h(
    'form',
    {
      className: 'controls',
      onsubmit: (e: Event) => {
        e.preventDefault();
        if (actor.value.trim() && !UUID.test(actor.value.trim())) {
          problem.textContent = 'The actor must be a user id (a UUID).';
          actor.focus();
          return;
        }
        filters = { action: action.value.trim(), actorId: actor.value.trim() };
        pager.reset();
        rerender();
      },
    },
    h('label', {}, 'Action', action),
    h('label', {}, 'Actor', actor),
    h('button', { type: 'submit', className: 'primary' }, 'Filter'),
    problem,
  );
  return h(
    'section',
    {},
    h('h2', {}, 'Audit'),
    verification(),
    form,
    h(
      'div',
      { id: 'audit-table' },
      table(
        `Audit events, newest first (${fmt(auditLog.totalCount)})`,
        ['#', 'At', 'Action', 'Actor', 'Subject', 'Details', 'Hash'],
        auditLog.edges.map(({ node: e }) => [
          String(e.sequence),
          when(e.at),
          e.action,
          e.actorId ? h('code', {}, e.actorId) : '—',
          e.subjectId ? h('code', {}, e.subjectId) : '—',
          e.details ? h('code', {}, JSON.stringify(e.details)) : '',
          h('code', { title: e.hash }, e.hash.slice(0, 12) + '…'),
        ]),
        [0],
      ),
    ),
    pager.controls(
      'Audit events',
      auditLog.totalCount,
      PAGE_SIZE,
      auditLog.pageInfo.hasNextPage,
      auditLog.pageInfo.endCursor ?? null,
      rerender,
    ),
  );
}
