import { request } from './api.js';
import type { AdminPricePointFragment } from '../../../schema/generated/graphql';
import { chart, fmt, h, table } from './ui.js';

const PRODUCT_TYPES = [
  'HEMP_FIBRE',
  'HEMP_SEED',
  'HEMP_OIL',
  'CBD_ISOLATE',
  'CBD_OIL',
  'CANNABIS_FLOWER',
  'CANNABIS_EXTRACT',
  'SEEDLINGS',
] as const;
const PROVINCES = [
  'EASTERN_CAPE',
  'FREE_STATE',
  'GAUTENG',
  'KWAZULU_NATAL',
  'LIMPOPO',
  'MPUMALANGA',
  'NORTHERN_CAPE',
  'NORTH_WEST',
  'WESTERN_CAPE',
] as const;
type ProductType = (typeof PRODUCT_TYPES)[number];
type Province = (typeof PROVINCES)[number];

let productType: ProductType = 'CBD_OIL';
let province: Province | '' = '';

const nice = (s: string) =>
  s
    .toLowerCase()
    .replace(/_/g, ' ')
    .replace(/\b\w/g, (c) => c.toUpperCase());
const amount = (m: { amount: string }) => Number(m.amount);

function priceTable(
  caption: string,
  points: AdminPricePointFragment[],
  key: (p: AdminPricePointFragment) => string,
): HTMLTableElement {
  return table(
    caption,
    ['', 'p25 (R/kg)', 'Median (R/kg)', 'p75 (R/kg)', 'Offers and listings'],
    points.map((p) => [
      key(p),
      fmt(amount(p.p25), 2),
      fmt(amount(p.medianPricePerKg), 2),
      fmt(amount(p.p75), 2),
      fmt(p.sampleSize),
    ]),
    [1, 2, 3, 4],
  );
}

/** Lines of p25/median/p75 with the sample size as volume bars on a second axis. */
function priceOption(categories: string[], points: AdminPricePointFragment[]) {
  return {
    xAxis: { type: 'category' as const, data: categories, axisLabel: { interval: 0, rotate: 25 } },
    yAxis: [
      { type: 'value' as const, name: 'R/kg' },
      { type: 'value' as const, name: 'volume', splitLine: { show: false } },
    ],
    grid: { top: 40, left: 60, right: 60, bottom: 80 },
    series: [
      {
        name: 'volume (offers and listings)',
        type: 'bar' as const,
        yAxisIndex: 1,
        itemStyle: { color: '#c9d8cd' },
        data: points.map((p) => p.sampleSize),
      },
      {
        name: 'p25',
        type: 'line' as const,
        data: points.map((p) => amount(p.p25)),
        lineStyle: { type: 'dashed' as const },
      },
      {
        name: 'median',
        type: 'line' as const,
        data: points.map((p) => amount(p.medianPricePerKg)),
        lineStyle: { width: 3 },
      },
      {
        name: 'p75',
        type: 'line' as const,
        data: points.map((p) => amount(p.p75)),
        lineStyle: { type: 'dashed' as const },
      },
    ],
  };
}

/** Market: one product type across the provinces, and every product type in one province (or nationally). */
export async function marketPage(rerender: () => void): Promise<HTMLElement> {
  const [byProvince, byType] = await Promise.all([
    request('AdminMarketByProvince', { productType }),
    request('AdminMarketByProductType', { province: province || null }),
  ]);
  const provincePoints = [
    byProvince.national,
    byProvince.easternCape,
    byProvince.freeState,
    byProvince.gauteng,
    byProvince.kwazuluNatal,
    byProvince.limpopo,
    byProvince.mpumalanga,
    byProvince.northernCape,
    byProvince.northWest,
    byProvince.westernCape,
  ];
  const typePoints = [
    byType.hempFibre,
    byType.hempSeed,
    byType.hempOil,
    byType.cbdIsolate,
    byType.cbdOil,
    byType.cannabisFlower,
    byType.cannabisExtract,
    byType.seedlings,
  ];
  const provinceLabel = (p: AdminPricePointFragment) => (p.province ? nice(p.province) : 'National');
  const median = (points: AdminPricePointFragment[], label: (p: AdminPricePointFragment) => string) =>
    points
      .filter((p) => p.sampleSize > 0)
      .map((p) => `${label(p)} R${fmt(amount(p.medianPricePerKg), 2)}`)
      .join(', ') || 'no prices yet';

  const typeSelect = h(
    'select',
    {
      id: 'market-product-type',
      onchange: (e: Event) => ((productType = (e.target as HTMLSelectElement).value as ProductType), rerender()),
    },
    ...PRODUCT_TYPES.map((t) => h('option', { value: t, selected: t === productType }, nice(t))),
  );
  const provinceSelect = h(
    'select',
    {
      id: 'market-province',
      onchange: (e: Event) => ((province = (e.target as HTMLSelectElement).value as Province | ''), rerender()),
    },
    h('option', { value: '', selected: province === '' }, 'National'),
    ...PROVINCES.map((p) => h('option', { value: p, selected: p === province }, nice(p))),
  );

  return h(
    'section',
    {},
    h('h2', {}, 'Market'),
    h(
      'div',
      { className: 'controls' },
      h('label', {}, 'Product type', typeSelect),
      h('label', {}, 'Province', provinceSelect),
    ),
    h(
      'div',
      { className: 'grid' },
      chart(
        'chart-market-provinces',
        `${nice(productType)}: price per kg by province`,
        `Median price per kg: ${median(provincePoints, provinceLabel)}.`,
        priceOption(provincePoints.map(provinceLabel), provincePoints),
        priceTable('By province', provincePoints, provinceLabel),
      ),
      chart(
        'chart-market-types',
        `${province ? nice(province) : 'National'}: price per kg by product type`,
        `Median price per kg: ${median(typePoints, (p) => nice(p.productType))}.`,
        priceOption(
          typePoints.map((p) => nice(p.productType)),
          typePoints,
        ),
        priceTable('By product type', typePoints, (p) => nice(p.productType)),
      ),
    ),
    h(
      'p',
      { className: 'muted' },
      'Prices are percentiles over ACTIVE listings and current external offers (marketPriceIndex); volume is how many of them the percentiles cover.',
    ),
  );
}
