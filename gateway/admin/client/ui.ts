import type { EChartsOption } from 'echarts';

type Child = Node | string | null | undefined | false;

/** A tiny element builder: attributes (and `on*` listeners), then children. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, unknown> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function')
      el.addEventListener(key.slice(2).toLowerCase(), value as EventListener);
    else if (key === 'className') el.className = String(value);
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children) if (child !== null && child !== undefined && child !== false) el.append(child);
  return el;
}

export function status(value: string): HTMLElement {
  return h('span', { className: `status ${value}` }, value);
}

export function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-ZA', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

export function when(iso: string | null | undefined): string {
  return iso ? new Date(iso).toLocaleString('en-ZA', { dateStyle: 'medium', timeStyle: 'short' }) : '—';
}

/** A data table: the text alternative of every chart, and the list views. */
export function table(caption: string, head: string[], rows: Child[][], numeric: number[] = []): HTMLTableElement {
  return h(
    'table',
    {},
    h('caption', {}, caption),
    h(
      'thead',
      {},
      h('tr', {}, ...head.map((c, i) => h('th', { scope: 'col', className: numeric.includes(i) ? 'num' : '' }, c))),
    ),
    h(
      'tbody',
      {},
      ...rows.map((r) => h('tr', {}, ...r.map((c, i) => h('td', { className: numeric.includes(i) ? 'num' : '' }, c)))),
    ),
  );
}

const charts = new Set<ReturnType<typeof echarts.init>>();
/** Charts built for a page not yet in the document: ECharts needs their laid-out size. */
let pending: Array<() => void> = [];

let chartsLoading: Promise<void> | null = null;

/**
 * ECharts (1 MB) downloads with the page (preloaded) but runs only when asked: running it takes the
 * main thread for a few hundred milliseconds on a slow machine, which must not come before the
 * sign-in form is drawn and can be typed in. Pages wait for it before drawing.
 */
export function loadCharts(): Promise<void> {
  chartsLoading ??= new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = document.documentElement.dataset.echarts ?? '/admin/assets/echarts.js';
    script.onload = () => resolve();
    script.onerror = () => reject(new Error('the chart library did not load'));
    document.head.append(script);
  });
  return chartsLoading;
}

/** Runs ECharts once the form is drawn and the browser is idle (or at the first page, if sooner). */
export function loadChartsWhenIdle(): void {
  const start = () => void loadCharts().catch(() => undefined); // a page load reports the failure
  // the frame after this one has painted the form
  requestAnimationFrame(() =>
    setTimeout(() => {
      if ('requestIdleCallback' in window) window.requestIdleCallback(start, { timeout: 1000 });
      else start();
    }, 0),
  );
}

/** Draws the charts of the page just put in the document. */
export function drawCharts(): void {
  const now = pending;
  pending = [];
  for (const draw of now) draw();
}

/** Disposes the charts of the page being left (ECharts keeps listeners and a canvas per chart). */
export function disposeCharts(): void {
  for (const c of charts) c.dispose();
  charts.clear();
  pending = [];
}

window.addEventListener('resize', () => charts.forEach((c) => c.resize()));

/**
 * A chart with its text alternatives: ECharts' generated aria description on the canvas, a short
 * summary as the figure's label, and the same numbers as a table under a disclosure.
 */
export function chart(
  id: string,
  title: string,
  summary: string,
  option: EChartsOption,
  data: HTMLTableElement,
): HTMLElement {
  // ECharts labels the chart itself (aria.enabled: series and values); the summary says what it means
  const box = h('div', { id, className: 'chart', 'aria-describedby': `${id}-summary` });
  const figure = h(
    'figure',
    { style: 'margin:0' },
    h('h3', {}, title),
    h('p', { id: `${id}-summary`, className: 'muted' }, summary),
    box,
    h('details', {}, h('summary', {}, `${title}: data table`), data),
  );
  pending.push(() => {
    const instance = echarts.init(box, undefined, { renderer: 'canvas' });
    instance.setOption({
      aria: { enabled: true },
      animation: false,
      tooltip: { trigger: 'axis' },
      legend: { type: 'scroll', top: 0 },
      grid: { top: 40, left: 60, right: 60, bottom: 40 },
      ...option,
    });
    const series = instance.getOption().series as unknown[];
    box.dataset.seriesCount = String(series.length);
    box.dataset.width = String(instance.getWidth());
    charts.add(instance);
  });
  return figure;
}

/** A pager over API cursors: keeps the cursors seen so far so Previous works without offsets. */
export class CursorPager {
  private readonly stack: (string | null)[] = [null];

  get after(): string | null {
    return this.stack[this.stack.length - 1];
  }

  get page(): number {
    return this.stack.length;
  }

  next(endCursor: string | null): void {
    if (endCursor) this.stack.push(endCursor);
  }

  previous(): void {
    if (this.stack.length > 1) this.stack.pop();
  }

  reset(): void {
    this.stack.length = 1;
  }

  controls(
    label: string,
    totalCount: number,
    pageSize: number,
    hasNextPage: boolean,
    endCursor: string | null,
    reload: () => void,
  ): HTMLElement {
    const pages = Math.max(1, Math.ceil(totalCount / pageSize));
    return h(
      'nav',
      { className: 'pager', 'aria-label': `${label} pages` },
      h('button', { type: 'button', disabled: this.page === 1, onclick: () => (this.previous(), reload()) }, '← Newer'),
      h('span', { 'aria-live': 'polite' }, `Page ${this.page} of ${pages} (${fmt(totalCount)} in all)`),
      h(
        'button',
        { type: 'button', disabled: !hasNextPage, onclick: () => (this.next(endCursor), reload()) },
        'Older →',
      ),
    );
  }
}
