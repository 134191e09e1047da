import { request } from './api.js';
import type { AdminCrawlRunFragment } from '../../../schema/generated/graphql';
import { chart, CursorPager, fmt, h, status, table, when } from './ui.js';

const PAGE_SIZE = 20;
const POLL_MS = 500;
const pager = new CursorPager();
let lastCrawl: AdminCrawlRunFragment | null = null;
let following = false;

function progress(run: AdminCrawlRunFragment): HTMLElement {
  const done = run.results.filter((r) => r.finished).length;
  return h(
    'div',
    { id: 'crawl-progress', 'data-status': run.status, role: 'status', 'aria-live': 'polite' },
    h(
      'p',
      {},
      'Crawl ',
      status(run.status),
      ` started ${when(run.startedAt)}: ${done} of ${run.results.length} sources done`,
      run.finishedAt ? `, finished ${when(run.finishedAt)}` : '…',
    ),
    table(
      'This crawl, per source',
      ['Source', 'Done', 'Fetched', 'Records', 'Rejected', 'Pages', 'Duration (ms)', 'Error'],
      run.results.map((r) => [
        r.dataSource.name,
        r.finished ? 'yes' : 'running',
        fmt(r.fetched),
        fmt(r.normalized),
        fmt(r.rejected),
        fmt(r.pages),
        fmt(r.durationMs),
        r.error ?? '',
      ]),
      [2, 3, 4, 5, 6],
    ),
  );
}

/** Starts a crawl of every source and follows it by polling crawlRun until it is no longer RUNNING. */
async function crawlNow(slot: HTMLElement, button: HTMLButtonElement, rerender: () => void): Promise<void> {
  button.disabled = true;
  following = true;
  try {
    let run = (await request('AdminTriggerCrawl', { dataSourceIds: null })).triggerCrawl;
    slot.replaceChildren(progress(run));
    while (run.status === 'RUNNING') {
      await new Promise((r) => setTimeout(r, POLL_MS));
      if (!slot.isConnected) return; // the admin left the page; the crawl goes on without us
      run = (await request('AdminCrawlRun', { id: run.id })).crawlRun ?? run;
      slot.replaceChildren(progress(run));
    }
    lastCrawl = run;
    pager.reset();
    rerender();
  } catch (err) {
    slot.replaceChildren(
      h('p', { className: 'error', role: 'alert' }, `Crawl failed to start: ${(err as Error).message}`),
    );
  } finally {
    following = false;
    button.disabled = false;
  }
}

/** Sources: each source's health, crawl runs as a timeline (records, rejections, duration), crawl now. */
export async function sourcesPage(rerender: () => void): Promise<HTMLElement> {
  const { dataSources, crawlRuns } = await request('AdminSources', { first: PAGE_SIZE, after: pager.after });
  const runs = crawlRuns.edges.map((e) => e.node).reverse(); // oldest first on a timeline
  const at = runs.map((r) =>
    new Date(r.startedAt).toLocaleString('en-ZA', { dateStyle: 'short', timeStyle: 'medium' }),
  );
  const per = (slug: string, pick: (r: AdminCrawlRunFragment['results'][number]) => number) =>
    runs.map((run) => {
      const r = run.results.find((x) => x.dataSource.slug === slug);
      return r ? pick(r) : null;
    });
  const slot = h('div', {}, lastCrawl && !following ? progress(lastCrawl) : null);
  const button = h(
    'button',
    { type: 'button', className: 'primary', id: 'crawl-now' },
    'Crawl now',
  ) as HTMLButtonElement;
  button.addEventListener('click', () => void crawlNow(slot, button, rerender));
  button.disabled = following;

  const records = chart(
    'chart-crawl-records',
    'Records per crawl, by source',
    `${runs.length} crawl runs from ${at[0] ?? '—'} to ${at[at.length - 1] ?? '—'}; records kept per source stacked, rejections as a line.`,
    {
      xAxis: { type: 'category', data: at, axisLabel: { rotate: 25 } },
      yAxis: { type: 'value', name: 'records' },
      grid: { top: 40, left: 60, right: 30, bottom: 80 },
      series: [
        ...dataSources.map((s) => ({
          name: s.name,
          type: 'bar' as const,
          stack: 'records',
          data: per(s.slug, (r) => r.normalized),
        })),
        {
          name: 'rejected (all sources)',
          type: 'line' as const,
          data: runs.map((run) => run.results.reduce((n, r) => n + r.rejected, 0)),
          itemStyle: { color: '#a4262c' },
        },
      ],
    },
    table(
      'Crawl runs',
      ['Started', 'Status', 'Trigger', ...dataSources.map((s) => `${s.name}: records / rejected`)],
      runs.map((run, i) => [
        at[i],
        status(run.status),
        run.trigger,
        ...dataSources.map((s) => {
          const r = run.results.find((x) => x.dataSource.slug === s.slug);
          return r ? `${fmt(r.normalized)} / ${fmt(r.rejected)}` : '—';
        }),
      ]),
    ),
  );
  const durations = chart(
    'chart-crawl-duration',
    'Crawl duration, by source',
    `Milliseconds each source took in each of the ${runs.length} runs.`,
    {
      xAxis: { type: 'category', data: at, axisLabel: { rotate: 25 } },
      yAxis: { type: 'value', name: 'ms' },
      grid: { top: 40, left: 60, right: 30, bottom: 80 },
      series: dataSources.map((s) => ({
        name: s.name,
        type: 'line' as const,
        connectNulls: true,
        data: per(s.slug, (r) => r.durationMs),
      })),
    },
    table(
      'Duration (ms)',
      ['Started', ...dataSources.map((s) => s.name)],
      runs.map((run, i) => [
        at[i],
        ...dataSources.map((s) => {
          const r = run.results.find((x) => x.dataSource.slug === s.slug);
          return r ? fmt(r.durationMs) : '—';
        }),
      ]),
    ),
  );
  return h(
    'section',
    {},
    h('h2', {}, 'Sources'),
    h(
      'div',
      { className: 'cards' },
      ...dataSources.map((s) =>
        h(
          'div',
          { className: 'card' },
          h('div', { className: 'muted' }, s.kind),
          h('div', {}, h('strong', {}, s.name)),
          h('div', {}, 'breaker: ', status(s.health)),
        ),
      ),
    ),
    h(
      'div',
      { className: 'controls' },
      button,
      h('span', { className: 'muted' }, 'Crawls every source now and follows the run until it ends.'),
    ),
    slot,
    h('div', { className: 'grid' }, records, durations),
    pager.controls(
      'Crawl runs',
      crawlRuns.totalCount,
      PAGE_SIZE,
      crawlRuns.pageInfo.hasNextPage,
      crawlRuns.pageInfo.endCursor ?? null,
      rerender,
    ),
  );
}
