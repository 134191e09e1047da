/**
 * A small line chart as SVG text, drawn by code (no plotting service): x on a log scale (catalogue
 * size), y linear from zero. Enough for the README's "cost against catalogue size".
 */
export interface Series {
  name: string;
  points: Array<{ x: number; y: number }>;
}

const COLOURS = ['#1b9e77', '#d95f02', '#7570b3', '#66a61e', '#e7298a', '#a6761d'];
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function niceMax(v: number): number {
  if (v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

const label = (x: number) => (x >= 1e6 ? `${x / 1e6}M` : x >= 1e3 ? `${x / 1e3}k` : String(x));

export function costPlotSvg(options: { title: string; series: Series[]; yLabel?: string }): string {
  const width = 760;
  const height = 420;
  const m = { left: 60, right: 230, top: 40, bottom: 50 };
  const w = width - m.left - m.right;
  const h = height - m.top - m.bottom;
  const xs = [...new Set(options.series.flatMap((s) => s.points.map((p) => p.x)))].sort((a, b) => a - b);
  const yMax = niceMax(Math.max(0, ...options.series.flatMap((s) => s.points.map((p) => p.y))));
  const lx0 = Math.log10(xs[0] ?? 1);
  const lx1 = Math.log10(xs[xs.length - 1] ?? 10);
  const sx = (x: number) => m.left + (lx1 === lx0 ? w / 2 : ((Math.log10(x) - lx0) / (lx1 - lx0)) * w);
  const sy = (y: number) => m.top + h - (y / yMax) * h;
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
  );
  parts.push(`<rect width="100%" height="100%" fill="white"/>`);
  parts.push(`<text x="${m.left}" y="22" font-size="14" font-weight="bold">${esc(options.title)}</text>`);
  for (let i = 0; i <= 5; i++) {
    const y = (yMax / 5) * i;
    parts.push(`<line x1="${m.left}" x2="${m.left + w}" y1="${sy(y)}" y2="${sy(y)}" stroke="#eee"/>`);
    parts.push(`<text x="${m.left - 6}" y="${sy(y) + 4}" text-anchor="end">${Math.round(y * 100) / 100}</text>`);
  }
  for (const x of xs) parts.push(`<text x="${sx(x)}" y="${m.top + h + 18}" text-anchor="middle">${label(x)}</text>`);
  parts.push(
    `<text x="${m.left + w / 2}" y="${height - 10}" text-anchor="middle">listings in the catalogue (log scale)</text>`,
  );
  parts.push(
    `<text transform="translate(16 ${m.top + h / 2}) rotate(-90)" text-anchor="middle">${esc(options.yLabel ?? 'CPU ms per request')}</text>`,
  );
  parts.push(
    `<line x1="${m.left}" x2="${m.left}" y1="${m.top}" y2="${m.top + h}" stroke="#333"/><line x1="${m.left}" x2="${m.left + w}" y1="${m.top + h}" y2="${m.top + h}" stroke="#333"/>`,
  );
  options.series.forEach((s, i) => {
    const colour = COLOURS[i % COLOURS.length];
    const dash = i >= COLOURS.length ? '' : i >= 3 ? ' stroke-dasharray="6 4"' : '';
    const pts = s.points.map((p) => `${sx(p.x).toFixed(1)},${sy(p.y).toFixed(1)}`).join(' ');
    parts.push(`<polyline points="${pts}" fill="none" stroke="${colour}" stroke-width="2"${dash}/>`);
    for (const p of s.points)
      parts.push(`<circle cx="${sx(p.x).toFixed(1)}" cy="${sy(p.y).toFixed(1)}" r="3" fill="${colour}"/>`);
    const ly = m.top + 10 + i * 20;
    parts.push(
      `<line x1="${m.left + w + 16}" x2="${m.left + w + 40}" y1="${ly}" y2="${ly}" stroke="${colour}" stroke-width="2"${dash}/>`,
    );
    parts.push(`<text x="${m.left + w + 46}" y="${ly + 4}">${esc(s.name)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}
