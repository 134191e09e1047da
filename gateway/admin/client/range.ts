import { h } from './ui.js';

export type Granularity = 'HOUR' | 'DAY';
export interface Range {
  days: 7 | 30 | 365;
  granularity: Granularity;
}

/** The API allows an HOUR series over at most 93 days. */
export const HOUR_LIMIT_DAYS = 93;

export function rangeVariables(range: Range): { from: string; to: string; granularity: Granularity } {
  const unit = range.granularity === 'HOUR' ? 3_600_000 : 86_400_000;
  // the end of the current bucket, so the newest bucket is whole and the start lines up with a bucket
  const to = new Date(Math.ceil((Date.now() + 1) / unit) * unit);
  const from = new Date(to.getTime() - range.days * 86_400_000);
  return { from: from.toISOString(), to: to.toISOString(), granularity: range.granularity };
}

/** The range picker: 7, 30 or 365 days; hour or day buckets (hours only up to 93 days). */
export function rangePicker(idPrefix: string, range: Range, onChange: (next: Range) => void): HTMLElement {
  const days = h(
    'select',
    { id: `${idPrefix}-days`, onchange: () => change() },
    ...[7, 30, 365].map((d) => h('option', { value: String(d), selected: d === range.days }, `last ${d} days`)),
  );
  const radio = (g: Granularity) =>
    h(
      'label',
      { style: 'flex-direction:row;gap:.3rem' },
      h('input', {
        type: 'radio',
        name: `${idPrefix}-granularity`,
        value: g,
        checked: range.granularity === g,
        disabled: g === 'HOUR' && range.days > HOUR_LIMIT_DAYS,
        onchange: () => change(),
      }),
      g === 'HOUR' ? 'hours' : 'days',
    );
  const box = h(
    'div',
    { className: 'controls' },
    h('label', {}, 'Range', days),
    h('fieldset', {}, h('legend', {}, 'Buckets'), radio('HOUR'), radio('DAY')),
  );
  function change() {
    const d = Number((days as HTMLSelectElement).value) as Range['days'];
    const picked = (box.querySelector(`input[name="${idPrefix}-granularity"]:checked`) as HTMLInputElement | null)
      ?.value as Granularity | undefined;
    onChange({ days: d, granularity: d > HOUR_LIMIT_DAYS ? 'DAY' : (picked ?? 'DAY') });
  }
  return box;
}
