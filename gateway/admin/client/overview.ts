import { request } from './api.js';
import { chart, fmt, h, status, table, when } from './ui.js';

const TOP_OPERATIONS = 15;

/** Overview: each service's health and latency; p50/p95/p99 of the busiest operations. */
export async function overviewPage(): Promise<HTMLElement> {
  const { systemHealth, performanceMetrics } = await request('AdminOverview', {});
  const services = systemHealth.services;
  const ops = [...performanceMetrics.operations].sort((a, b) => b.count - a.count).slice(0, TOP_OPERATIONS);
  const colour: Record<string, string> = {
    HEALTHY: '#1e7a3c',
    DEGRADED: '#9a6700',
    DOWN: '#a4262c',
    UNKNOWN: '#5a6b60',
  };

  const healthChart = chart(
    'chart-health',
    'Service latency and health',
    `${services.length} services; overall ${systemHealth.status}. ${services.map((s) => `${s.name} ${s.status} ${s.latencyMs ?? '?'} ms`).join('; ')}.`,
    {
      xAxis: { type: 'category', data: services.map((s) => s.name), axisLabel: { interval: 0, rotate: 20 } },
      yAxis: { type: 'value', name: 'ms' },
      series: [
        {
          name: 'latency (ms)',
          type: 'bar',
          data: services.map((s) => ({ value: s.latencyMs ?? 0, itemStyle: { color: colour[s.status] } })),
          label: { show: true, position: 'top', formatter: (p: { dataIndex: number }) => services[p.dataIndex].status },
        },
      ],
    },
    table(
      'Services',
      ['Service', 'Status', 'Latency (ms)'],
      services.map((s) => [s.name, status(s.status), s.latencyMs == null ? '—' : String(s.latencyMs)]),
      [2],
    ),
  );

  const perfChart = chart(
    'chart-latency',
    `Latency per operation (the ${ops.length} busiest)`,
    ops.length
      ? `p50, p95 and p99 in ms since ${when(performanceMetrics.since)}. Slowest p99: ${[...ops].sort((a, b) => b.p99Ms - a.p99Ms)[0].operationName}.`
      : 'No operations measured yet.',
    {
      xAxis: { type: 'category', data: ops.map((o) => o.operationName), axisLabel: { interval: 0, rotate: 30 } },
      yAxis: { type: 'value', name: 'ms' },
      grid: { top: 40, left: 60, right: 30, bottom: 110 },
      series: (['p50Ms', 'p95Ms', 'p99Ms'] as const).map((k) => ({
        name: k.replace('Ms', ''),
        type: 'bar' as const,
        data: ops.map((o) => o[k]),
      })),
    },
    table(
      'Operations',
      ['Operation', 'Requests', 'Error rate', 'p50 (ms)', 'p95 (ms)', 'p99 (ms)'],
      performanceMetrics.operations.map((o) => [
        o.operationName,
        fmt(o.count),
        `${fmt(o.errorRate * 100, 1)} %`,
        fmt(o.p50Ms, 1),
        fmt(o.p95Ms, 1),
        fmt(o.p99Ms, 1),
      ]),
      [1, 2, 3, 4, 5],
    ),
  );

  return h(
    'section',
    {},
    h('h2', {}, 'Overview'),
    h(
      'div',
      { className: 'cards' },
      h(
        'div',
        { className: 'card' },
        h('div', { className: 'muted' }, 'System'),
        h('div', { className: 'big' }, status(systemHealth.status)),
        h('div', { className: 'muted' }, `checked ${when(systemHealth.checkedAt)}`),
      ),
      ...services.map((s) =>
        h(
          'div',
          { className: 'card' },
          h('div', { className: 'muted' }, s.name),
          h('div', { className: 'big' }, status(s.status)),
          h('div', { className: 'muted' }, s.latencyMs == null ? 'no answer' : `${s.latencyMs} ms`),
        ),
      ),
    ),
    h('div', { className: 'grid' }, healthChart, perfChart),
  );
}
