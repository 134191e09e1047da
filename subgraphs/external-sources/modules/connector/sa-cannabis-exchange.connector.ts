import { z } from 'zod';
import {
  describeIssues,
  idOf,
  parseEnvelope,
  type FetchOptions,
  type Normalised,
  type NormalisedOffer,
  type OfferConnector,
  type Page,
} from './connector';
import { provinceFromTown } from './gazetteer';
import type { ResilientHttpClient } from './http-client';
import { toKg, toZarPerKg } from './offer-values';
import { EXCHANGE_PRODUCT_CODES } from './products';

const numeric = z.union([z.number(), z.string().max(40)]);

const RecordSchema = z.object({
  id: z.string().min(1).max(100),
  seller: z.object({
    name: z.string().trim().min(1).max(200),
    licence_number: z.string().max(60).nullish(),
  }),
  product_code: z.string().min(1).max(40),
  quantity_g: numeric,
  price_cents_per_g: numeric,
  town: z.string().max(100).nullish(),
  grade: z.string().max(10).nullish(),
});

const EnvelopeSchema = z.object({
  offers: z.array(z.unknown()).max(1000),
  next_cursor: z.string().max(500).nullable(),
});

const PAGE_SIZE = 200;

/** SA Cannabis Exchange: cursors, grams, cents per gram, product codes, towns without provinces. */
export class SaCannabisExchangeConnector implements OfferConnector {
  readonly slug = 'sa-cannabis-exchange';
  readonly produces = 'offers' as const;

  constructor(
    private readonly http: ResilientHttpClient,
    private readonly baseUrl: () => string,
  ) {}

  async fetchPage(ref: string | null, credential: string, options: FetchOptions = {}): Promise<Page> {
    const url = new URL('/api/v2/offers', this.baseUrl());
    url.searchParams.set('limit', String(options.pageSize ?? PAGE_SIZE));
    if (ref) url.searchParams.set('cursor', ref);
    const body = await this.http.getJson(url.toString(), { 'x-api-key': credential }, options.signal, options.hooks);
    const envelope = parseEnvelope(EnvelopeSchema, body, this.slug);
    return { records: envelope.offers, next: envelope.next_cursor };
  }

  normalise(raw: unknown): Normalised<NormalisedOffer> {
    const parsed = RecordSchema.safeParse(raw);
    if (!parsed.success) return { ok: false, externalId: idOf(raw, 'id'), reason: describeIssues(parsed.error) };
    const r = parsed.data;
    const reject = (reason: string) => ({ ok: false as const, externalId: r.id, reason });
    const productType = EXCHANGE_PRODUCT_CODES[r.product_code.trim().toUpperCase()];
    if (!productType) return reject(`product_code: unknown code "${r.product_code}"`);
    const quantity = toKg(r.quantity_g, -3);
    if ('reason' in quantity) return reject(`quantity_g: ${quantity.reason}`);
    // cents per gram × 1000 g/kg ÷ 100 cents/rand = rand per kg × 10
    const price = toZarPerKg(r.price_cents_per_g, 1);
    if ('reason' in price) return reject(`price_cents_per_g: ${price.reason}`);
    const town = r.town?.trim() || null;
    const licence = r.seller.licence_number?.trim();
    return {
      ok: true,
      value: {
        externalId: r.id,
        supplierName: r.seller.name,
        productType,
        quantityKg: quantity.kg,
        pricePerKg: price.zar,
        province: town ? provinceFromTown(town) : null,
        town,
        certifications: r.grade ? [`SACX grade ${r.grade.trim().toUpperCase()}`] : [],
        licenceNumber: licence && licence !== 'UNLICENSED' ? licence : null,
      },
    };
  }
}
