import { SeededRandom } from './random';
import {
  ALL_PLACES,
  CERTIFICATIONS,
  EXCHANGE_CODES,
  HSN_PRODUCTS,
  PRICE_RANGE_ZAR_PER_KG,
  PROVINCE_SPELLINGS,
  supplierName,
} from './sa-data';

/** Data is dated against a fixed day so that the same seed gives the same records on any day. */
const REFERENCE_DAY = Date.UTC(2025, 5, 1);
const DAY_MS = 86_400_000;

function isoDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

export interface RegistryRecord {
  licence_no: string;
  holder_name: string;
  licence_type: 'CANNABIS_CULTIVATION' | 'CANNABIS_MANUFACTURE' | 'HEMP_PERMIT';
  province_code: string;
  status: 'ACTIVE' | 'SUSPENDED' | 'REVOKED' | 'EXPIRED';
  issued_on: string;
  expires_on: string;
}

export interface HsnRecord {
  listing_ref: string;
  supplier: { name: string; town: string; province: string; permit_no: string | null };
  product: string;
  quantity_tonnes: number;
  price_zar_per_tonne: number;
  certifications: string[];
  updated_at: string;
}

export interface ExchangeRecord {
  id: string;
  seller: { name: string; licence_number: string };
  product_code: string;
  quantity_g: number;
  price_cents_per_g: number;
  town: string;
  grade: 'A' | 'B' | 'C';
  listed_at: string;
}

export interface Datasets {
  registry: RegistryRecord[];
  hsn: HsnRecord[];
  exchange: ExchangeRecord[];
}

export interface DatasetSizes {
  registry: number;
  hsn: number;
  exchange: number;
}

export const DEFAULT_SIZES: DatasetSizes = { registry: 600, hsn: 1500, exchange: 900 };

/** A few towns the exchange lists that are not on every gazetteer: their province stays unknown. */
const SMALL_TOWNS = ['Hogsback', 'Coffee Bay', 'Nieu-Bethesda'];

function price(rand: SeededRandom, productType: string): number {
  const [low, high] = PRICE_RANGE_ZAR_PER_KG[productType];
  return low + rand.next() * (high - low);
}

/**
 * Every record of the three sources from one seed. The registry comes first: the exchange's sellers
 * and some network suppliers hold its licences, so offers can be checked against it.
 */
export function generateDatasets(seed: string, sizes: DatasetSizes = DEFAULT_SIZES): Datasets {
  const rand = new SeededRandom(`${seed}:registry`);
  const registry: RegistryRecord[] = [];
  for (let i = 0; i < sizes.registry; i++) {
    const type = rand.pick(['CANNABIS_CULTIVATION', 'CANNABIS_MANUFACTURE', 'HEMP_PERMIT'] as const);
    const issued = REFERENCE_DAY - rand.int(30, 1500) * DAY_MS;
    const expires = issued + rand.pick([1, 2, 3, 5]) * 365 * DAY_MS;
    const place = rand.pick(ALL_PLACES);
    const year = new Date(issued).getUTCFullYear();
    const prefix = type === 'HEMP_PERMIT' ? 'DALRRD-HP' : type === 'CANNABIS_CULTIVATION' ? 'SAHPRA-CUL' : 'SAHPRA-MAN';
    let status: RegistryRecord['status'] = expires < REFERENCE_DAY ? 'EXPIRED' : 'ACTIVE';
    if (status === 'ACTIVE' && rand.chance(0.06)) status = 'SUSPENDED';
    else if (status === 'ACTIVE' && rand.chance(0.03)) status = 'REVOKED';
    registry.push({
      licence_no: `${prefix}-${year}-${pad(i + 1, 4)}`,
      holder_name: supplierName(rand),
      licence_type: type,
      province_code: place.code,
      status,
      issued_on: isoDay(issued),
      expires_on: isoDay(expires),
    });
  }
  const hempPermits = registry.filter((r) => r.licence_type === 'HEMP_PERMIT');
  const cannabisLicences = registry.filter((r) => r.licence_type !== 'HEMP_PERMIT');

  const hr = new SeededRandom(`${seed}:hsn`);
  const hsn: HsnRecord[] = [];
  const hsnTypes = Object.keys(HSN_PRODUCTS);
  for (let i = 0; i < sizes.hsn; i++) {
    const productType = hr.pick(hsnTypes);
    const place = hr.pick(ALL_PLACES);
    const permit = hr.chance(0.4) && hempPermits.length ? hr.pick(hempPermits) : null;
    const tonnes = productType === 'HEMP_FIBRE' ? hr.int(500, 80_000) / 1000 : hr.int(20, 5_000) / 1000;
    hsn.push({
      listing_ref: `HSN-${pad(10_000 + i, 6)}`,
      supplier: {
        name: permit ? permit.holder_name : supplierName(hr),
        town: place.town,
        province: hr.pick(PROVINCE_SPELLINGS[place.code]),
        permit_no: permit ? permit.licence_no : null,
      },
      product: hr.pick(HSN_PRODUCTS[productType]),
      quantity_tonnes: tonnes,
      price_zar_per_tonne: Math.round(price(hr, productType) * 1000),
      certifications: hr.some(CERTIFICATIONS, 3),
      updated_at: new Date(REFERENCE_DAY - hr.int(0, 90 * 24) * 3_600_000).toISOString(),
    });
  }

  const xr = new SeededRandom(`${seed}:exchange`);
  const exchange: ExchangeRecord[] = [];
  const codes = Object.keys(EXCHANGE_CODES);
  for (let i = 0; i < sizes.exchange; i++) {
    const code = xr.pick(codes);
    const seller = cannabisLicences.length ? xr.pick(cannabisLicences) : null;
    const town = xr.chance(0.03) ? xr.pick(SMALL_TOWNS) : xr.pick(ALL_PLACES).town;
    const grams = code.startsWith('CAN-FLW') ? xr.int(1, 400) * 1000 : xr.int(1, 200) * 100;
    exchange.push({
      id: `SACX-${(0x10000 + i * 7919).toString(16).toUpperCase()}`,
      seller: {
        name: seller ? seller.holder_name : supplierName(xr),
        licence_number: seller ? seller.licence_no : 'UNLICENSED',
      },
      product_code: code,
      quantity_g: grams,
      price_cents_per_g: Math.max(1, Math.round(price(xr, EXCHANGE_CODES[code]) / 10)),
      town,
      grade: xr.pick(['A', 'B', 'C'] as const),
      listed_at: new Date(REFERENCE_DAY - xr.int(0, 60 * 24) * 3_600_000).toISOString(),
    });
  }
  return { registry, hsn, exchange };
}
