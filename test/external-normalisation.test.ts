import { shiftDecimal } from '../subgraphs/external-sources/modules/connector/decimal';
import { provinceFromName, provinceFromTown } from '../subgraphs/external-sources/modules/connector/gazetteer';
import { productTypeFromName } from '../subgraphs/external-sources/modules/connector/products';
import { HempSuppliersNetworkConnector } from '../subgraphs/external-sources/modules/connector/hemp-suppliers-network.connector';
import { SaCannabisExchangeConnector } from '../subgraphs/external-sources/modules/connector/sa-cannabis-exchange.connector';
import { RegulatoryRegistryConnector } from '../subgraphs/external-sources/modules/connector/regulatory-registry.connector';
import {
  backoffDelay,
  parseRetryAfter,
  type ResilientHttpClient,
} from '../subgraphs/external-sources/modules/connector/http-client';
import { generateDatasets } from '../subgraphs/external-sources/simulators/datasets';

const noHttp = {} as ResilientHttpClient;
const base = () => 'http://unused.invalid';
const hsn = new HempSuppliersNetworkConnector(noHttp, base);
const sacx = new SaCannabisExchangeConnector(noHttp, base);
const registry = new RegulatoryRegistryConnector(noHttp, base);

describe('exact decimal conversion', () => {
  it.each([
    [18500, -3, 2, '18.50'],
    ['18505', -3, 2, '18.51'], // half away from zero
    [18504, -3, 2, '18.50'],
    [12.5, 3, 3, '12500.000'],
    [0.001, 3, 3, '1.000'],
    [1250, 1, 2, '12500.00'], // cents per gram → rand per kg
    ['0.1', 0, 2, '0.10'],
    [-5, 1, 2, '-50.00'],
  ])('%p × 10^%p to %p places is %p', (value, shift, places, expected) => {
    expect(shiftDecimal(value, shift, places)).toBe(expected);
  });

  it('refuses what is not a plain decimal', () => {
    for (const bad of ['about twelve', '1e5', 1e21, NaN, Infinity, null, undefined, {}, ''])
      expect(shiftDecimal(bad, 0, 2)).toBeNull();
  });

  it('does not suffer binary float error (0.1 + 0.2 style)', () => {
    expect(shiftDecimal(0.3, 0, 2)).toBe('0.30');
    expect(shiftDecimal('1.005', 0, 2)).toBe('1.01'); // (1.005).toFixed(2) is "1.00" in binary floats
  });
});

describe('names to our enums', () => {
  it('maps province spellings and towns', () => {
    expect(provinceFromName('Kwa-Zulu Natal')).toBe('KWAZULU_NATAL');
    expect(provinceFromName('KZN')).toBe('KWAZULU_NATAL');
    expect(provinceFromName('W. Cape')).toBe('WESTERN_CAPE');
    expect(provinceFromName('North-West')).toBe('NORTH_WEST');
    expect(provinceFromName('Atlantis')).toBeNull();
    expect(provinceFromTown('Gqeberha')).toBe('EASTERN_CAPE');
    expect(provinceFromTown('Mbombela')).toBe('MPUMALANGA');
    expect(provinceFromTown('Hogsback')).toBeNull();
  });

  it('maps free-text product names', () => {
    expect(productTypeFromName('Hemp fibre (decorticated)')).toBe('HEMP_FIBRE');
    expect(productTypeFromName('Cold-pressed hemp seed oil')).toBe('HEMP_OIL');
    expect(productTypeFromName('Hulled hemp seed')).toBe('HEMP_SEED');
    expect(productTypeFromName('Hemp seedlings (tray of 100)')).toBe('SEEDLINGS');
    expect(productTypeFromName('Full-spectrum CBD oil 10%')).toBe('CBD_OIL');
    expect(productTypeFromName('Mystery bale (ask)')).toBeNull();
  });
});

describe('per-source normalisation', () => {
  it('Hemp Suppliers Network: tonnes and rand per tonne to kg and rand per kg', () => {
    const result = hsn.normalise({
      listing_ref: 'HSN-010001',
      supplier: {
        name: 'Karoo Hemp Co-op',
        town: 'Graaff-Reinet',
        province: 'E. Cape',
        permit_no: 'DALRRD-HP-2023-0001',
      },
      product: 'Raw hemp stalks, baled',
      quantity_tonnes: 12.5,
      price_zar_per_tonne: 18500,
      certifications: ['GAP', 'GAP', ' Organic (SAOSO) '],
    });
    expect(result).toEqual({
      ok: true,
      value: {
        externalId: 'HSN-010001',
        supplierName: 'Karoo Hemp Co-op',
        productType: 'HEMP_FIBRE',
        quantityKg: '12500.000',
        pricePerKg: '18.50',
        province: 'EASTERN_CAPE',
        town: 'Graaff-Reinet',
        certifications: ['GAP', 'Organic (SAOSO)'],
        licenceNumber: 'DALRRD-HP-2023-0001',
      },
    });
  });

  it('SA Cannabis Exchange: grams and cents per gram, codes, province from the town', () => {
    const result = sacx.normalise({
      id: 'SACX-1A2B',
      seller: { name: 'Letsatsi Botanicals (Pty) Ltd', licence_number: 'SAHPRA-CUL-2024-0042' },
      product_code: 'CAN-FLW-IND',
      quantity_g: 250000,
      price_cents_per_g: 1250,
      town: 'Stellenbosch',
      grade: 'a',
    });
    expect(result).toEqual({
      ok: true,
      value: expect.objectContaining({
        externalId: 'SACX-1A2B',
        productType: 'CANNABIS_FLOWER',
        quantityKg: '250.000',
        pricePerKg: '12500.00',
        province: 'WESTERN_CAPE',
        certifications: ['SACX grade A'],
        licenceNumber: 'SAHPRA-CUL-2024-0042',
      }),
    });
  });

  it('Regulatory Registry: licence records with province codes', () => {
    const result = registry.normalise({
      licence_no: 'SAHPRA-CUL-2024-0042',
      holder_name: 'Letsatsi Botanicals (Pty) Ltd',
      licence_type: 'CANNABIS_CULTIVATION',
      province_code: 'WC',
      status: 'ACTIVE',
      issued_on: '2024-02-01',
      expires_on: '2027-01-31',
    });
    expect(result).toEqual({
      ok: true,
      value: expect.objectContaining({
        externalId: 'SAHPRA-CUL-2024-0042',
        province: 'WESTERN_CAPE',
        status: 'ACTIVE',
      }),
    });
  });

  it('rejects malformed records with a reason and the id when there is one', () => {
    const cases: Array<
      [{ ok: true } | { ok: false; externalId: string | null; reason: string }, RegExp, string | null]
    > = [
      [
        hsn.normalise({
          listing_ref: 'HSN-1',
          supplier: { name: 'X' },
          product: 'Hemp hearts',
          quantity_tonnes: 'about twelve',
          price_zar_per_tonne: 1,
        }),
        /quantity_tonnes/,
        'HSN-1',
      ],
      [
        hsn.normalise({ listing_ref: 'HSN-2', supplier: { name: 'X' }, product: 'Hemp hearts', quantity_tonnes: 1 }),
        /price_zar_per_tonne/,
        'HSN-2',
      ],
      [
        hsn.normalise({
          listing_ref: 'HSN-3',
          supplier: { name: 'X' },
          product: 'Mystery bale (ask)',
          quantity_tonnes: 1,
          price_zar_per_tonne: 1,
        }),
        /no product type/,
        'HSN-3',
      ],
      [
        hsn.normalise({
          listing_ref: 'HSN-4',
          supplier: { name: 'X' },
          product: 'Hemp hearts',
          quantity_tonnes: 1,
          price_zar_per_tonne: -100,
        }),
        /not above zero/,
        'HSN-4',
      ],
      [
        hsn.normalise({
          listing_ref: 'HSN-5',
          supplier: { name: 'X' },
          product: 'Hemp hearts',
          quantity_tonnes: 1,
          price_zar_per_tonne: 2,
        }),
        /not above zero/,
        'HSN-5',
      ], // R0.002/kg rounds to 0.00
      [
        sacx.normalise({
          id: 'S-1',
          seller: { name: 'Y' },
          product_code: 'ZZZ-UNLISTED',
          quantity_g: 1,
          price_cents_per_g: 1,
        }),
        /unknown code/,
        'S-1',
      ],
      [sacx.normalise({ id: 'S-2', product_code: 'CBD-ISO-99', quantity_g: 1, price_cents_per_g: 1 }), /seller/, 'S-2'],
      [
        sacx.normalise({
          id: 'S-3',
          seller: { name: 'Y' },
          product_code: 'CBD-ISO-99',
          quantity_g: null,
          price_cents_per_g: 1,
        }),
        /quantity_g/,
        'S-3',
      ],
      [
        registry.normalise({
          licence_no: 'L-1',
          holder_name: 'Z',
          licence_type: 'HEMP_PERMIT',
          province_code: 'WC',
          status: 'PENDING_REVIEW?',
          issued_on: '2024-01-01',
          expires_on: '2025-01-01',
        }),
        /status/,
        'L-1',
      ],
      [
        registry.normalise({
          licence_no: 'L-2',
          holder_name: 'Z',
          licence_type: 'HEMP_PERMIT',
          province_code: 'WC',
          status: 'ACTIVE',
          issued_on: '2024-01-01',
          expires_on: '31/02/2025',
        }),
        /expires_on/,
        'L-2',
      ],
      [registry.normalise({ holder_name: 'Z' }), /licence_no/, null],
      [hsn.normalise('not even an object'), /record/, null],
    ];
    for (const [result, reason, id] of cases) {
      expect(result.ok).toBe(false);
      if (result.ok) continue;
      expect(result.reason).toMatch(reason);
      expect(result.externalId).toBe(id);
    }
  });

  it('normalises every record the simulators generate from the default seed', () => {
    const data = generateDatasets('mzansi-hemp-2024');
    expect(data.hsn.length).toBe(1500);
    expect(data.exchange.length).toBe(900);
    expect(data.registry.length).toBe(600);
    for (const r of data.hsn) expect(hsn.normalise(r)).toMatchObject({ ok: true });
    for (const r of data.exchange) expect(sacx.normalise(r)).toMatchObject({ ok: true });
    for (const r of data.registry) expect(registry.normalise(r)).toMatchObject({ ok: true });
    // deterministic: the same seed, the same first record
    expect(generateDatasets('mzansi-hemp-2024').hsn[0]).toEqual(data.hsn[0]);
  });
});

describe('retry timing rules', () => {
  it('reads Retry-After as seconds or as an HTTP date', () => {
    expect(parseRetryAfter('3')).toBe(3000);
    expect(parseRetryAfter(new Date(Date.UTC(2030, 0, 1, 0, 0, 10)).toUTCString(), Date.UTC(2030, 0, 1))).toBe(10_000);
    expect(parseRetryAfter('soon')).toBeNull();
    expect(parseRetryAfter(null)).toBeNull();
  });

  it('backs off exponentially with full jitter, capped', () => {
    const policy = { backoffBaseMs: 100, backoffMaxMs: 1000 };
    expect(backoffDelay(0, policy, () => 0.999)).toBe(100);
    expect(backoffDelay(3, policy, () => 0.999)).toBe(799);
    expect(backoffDelay(10, policy, () => 0.999)).toBe(999);
    expect(backoffDelay(3, policy, () => 0)).toBe(0);
  });
});
