import { request } from './api.js';
import { rangePicker, rangeVariables, type Range } from './range.js';
import { chart, fmt, h, table, when } from './ui.js';

let range: Range = { days: 30, granularity: 'DAY' };
const TYPES = ['SEARCH', 'LISTING_VIEW', 'MATCH_REQUEST', 'ORDER', 'CONSENT_GRANTED', 'CONSENT_WITHDRAWN'] as const;

/** Funnel: search → view → match → order over the picked range, and every interaction type over time. */
export async function funnelPage(rerender: () => void): Promise<HTMLElement> {
  const vars = rangeVariables(range);
  const { interactionAnalytics: a } = await request('AdminFunnel', vars);
  const steps = [
    { name: 'Searches', value: a.funnel.searches },
    { name: 'Listing views', value: a.funnel.listingViews },
    { name: 'Match requests', value: a.funnel.matchRequests },
    { name: 'Orders', value: a.funnel.orders },
  ];
  const buckets = [...new Set(a.series.map((p) => p.bucket))];
  const index = new Map(buckets.map((b, i) => [b, i]));
  const present = TYPES.filter((t) => a.series.some((p) => p.type === t));
  const byType = new Map(present.map((t) => [t, new Array<number>(buckets.length).fill(0)]));
  for (const p of a.series) {
    const row = byType.get(p.type as (typeof TYPES)[number]);
    if (row) row[index.get(p.bucket)!] = p.count;
  }
  const label = (b: string) => (range.granularity === 'HOUR' ? when(b) : b.slice(0, 10));

  const funnelChart = chart(
    'chart-funnel',
    'Funnel',
    `${steps.map((s) => `${s.name} ${fmt(s.value)}`).join(', ')}; orders per search ${fmt(a.funnel.conversionRate * 100, 1)} %.`,
    {
      tooltip: { trigger: 'item' },
      legend: { show: false },
      series: [
        {
          name: 'Funnel',
          type: 'funnel',
          sort: 'none',
          left: '10%',
          width: '80%',
          top: 20,
          bottom: 10,
          minSize: '8%',
          label: { show: true, formatter: '{b}: {c}' },
          data: steps,
        },
      ],
    },
    table(
      'Funnel steps',
      ['Step', 'Count', 'Share of searches'],
      steps.map((s) => [
        s.name,
        fmt(s.value),
        a.funnel.searches ? `${fmt((s.value / a.funnel.searches) * 100, 1)} %` : '—',
      ]),
      [1, 2],
    ),
  );
  const seriesChart = chart(
    'chart-interactions',
    'Interactions over time',
    `${present.length} interaction types in ${buckets.length} ${range.granularity === 'HOUR' ? 'hourly' : 'daily'} buckets. Totals: ${a.totals.map((t) => `${t.type} ${fmt(t.count)}`).join(', ')}.`,
    {
      xAxis: { type: 'category', data: buckets.map(label) },
      yAxis: { type: 'value' },
      dataZoom: [{ type: 'inside' }],
      series: present.map((t) => ({ name: t, type: 'line' as const, showSymbol: false, data: byType.get(t)! })),
    },
    table(
      'Interactions per bucket',
      ['Bucket', ...present],
      buckets
        .slice(-60)
        .map((b, i) => [
          label(b),
          ...present.map((t) => fmt(byType.get(t)![buckets.length - Math.min(60, buckets.length) + i])),
        ]),
      present.map((_, i) => i + 1),
    ),
  );
  return h(
    'section',
    {},
    h('h2', {}, 'Funnel'),
    rangePicker('funnel', range, (next) => ((range = next), rerender())),
    h('div', { className: 'grid' }, funnelChart, seriesChart),
    h(
      'p',
      { className: 'muted' },
      `From ${when(vars.from)} to ${when(vars.to)}. The data table lists the newest 60 buckets.`,
    ),
  );
}
