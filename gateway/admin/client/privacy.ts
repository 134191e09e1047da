import { request } from './api.js';
import { rangePicker, rangeVariables, type Range } from './range.js';
import { chart, CursorPager, fmt, h, status, table, when } from './ui.js';

const PAGE_SIZE = 20;
const pager = new CursorPager();
let range: Range = { days: 30, granularity: 'DAY' };
let statusFilter: 'PENDING' | 'COMPLETED' | 'FAILED' | '' = '';

/** Privacy: consents granted and withdrawn over time; every data-subject request with its per-subgraph report. */
export async function privacyPage(rerender: () => void): Promise<HTMLElement> {
  const vars = rangeVariables(range);
  const [{ interactionAnalytics: a }, { dataSubjectRequests: dsr }] = await Promise.all([
    request('AdminConsentTrend', vars),
    request('AdminDataSubjectRequests', {
      first: PAGE_SIZE,
      after: pager.after,
      status: statusFilter || null,
      type: null,
    }),
  ]);
  const buckets = [...new Set(a.series.map((p) => p.bucket))];
  const index = new Map(buckets.map((b, i) => [b, i]));
  const granted = new Array<number>(buckets.length).fill(0);
  const withdrawn = new Array<number>(buckets.length).fill(0);
  for (const p of a.series) {
    if (p.type === 'CONSENT_GRANTED') granted[index.get(p.bucket)!] = p.count;
    if (p.type === 'CONSENT_WITHDRAWN') withdrawn[index.get(p.bucket)!] = p.count;
  }
  const total = (t: string) => a.totals.find((x) => x.type === t)?.count ?? 0;
  const label = (b: string) => (range.granularity === 'HOUR' ? when(b) : b.slice(0, 10));

  const consentChart = chart(
    'chart-consents',
    'Consents granted and withdrawn',
    `${fmt(total('CONSENT_GRANTED'))} granted and ${fmt(total('CONSENT_WITHDRAWN'))} withdrawn in the last ${range.days} days.`,
    {
      xAxis: { type: 'category', data: buckets.map(label) },
      yAxis: { type: 'value' },
      dataZoom: [{ type: 'inside' }],
      series: [
        { name: 'granted', type: 'bar', stack: 'c', data: granted, itemStyle: { color: '#1e7a3c' } },
        { name: 'withdrawn', type: 'bar', stack: 'c', data: withdrawn.map((n) => -n), itemStyle: { color: '#a4262c' } },
      ],
    },
    table(
      'Consents per bucket (newest 60)',
      ['Bucket', 'Granted', 'Withdrawn'],
      buckets.map((b, i) => [label(b), fmt(granted[i]), fmt(withdrawn[i])]).slice(-60),
      [1, 2],
    ),
  );

  const filter = h(
    'select',
    {
      id: 'dsr-status',
      onchange: (e: Event) => (
        (statusFilter = (e.target as HTMLSelectElement).value as typeof statusFilter),
        pager.reset(),
        rerender()
      ),
    },
    ...['', 'PENDING', 'COMPLETED', 'FAILED'].map((s) =>
      h('option', { value: s, selected: s === statusFilter }, s || 'any status'),
    ),
  );
  const rows = dsr.edges.map(({ node: r }) => [
    when(r.requestedAt),
    r.type,
    status(r.status),
    h('code', {}, r.subjectId),
    when(r.completedAt),
    r.type === 'ERASURE'
      ? r.report.length
        ? h(
            'details',
            {},
            h(
              'summary',
              {},
              `${r.report.length} subgraphs: ${fmt(r.report.reduce((n, x) => n + x.erased, 0))} erased, ${fmt(r.report.reduce((n, x) => n + x.retained, 0))} kept`,
            ),
            table(
              'Per subgraph',
              ['Subgraph', 'Erased', 'Kept', 'Why kept'],
              r.report.map((x) => [x.subgraph, fmt(x.erased), fmt(x.retained), x.reason ?? '']),
              [1, 2],
            ),
          )
        : 'no report yet'
      : r.status === 'COMPLETED'
        ? 'export ready'
        : '—',
    r.failureReason ?? '',
  ]);

  return h(
    'section',
    {},
    h('h2', {}, 'Privacy'),
    rangePicker('privacy', range, (next) => ((range = next), rerender())),
    consentChart,
    h('h3', {}, 'Data-subject requests'),
    h('div', { className: 'controls' }, h('label', {}, 'Status', filter)),
    h(
      'div',
      { id: 'dsr-table' },
      table(
        `Requests, newest first (${fmt(dsr.totalCount)})`,
        ['Requested', 'Type', 'Status', 'Subject', 'Completed', 'Report', 'Failure'],
        rows,
      ),
    ),
    pager.controls(
      'Data-subject requests',
      dsr.totalCount,
      PAGE_SIZE,
      dsr.pageInfo.hasNextPage,
      dsr.pageInfo.endCursor ?? null,
      rerender,
    ),
  );
}
