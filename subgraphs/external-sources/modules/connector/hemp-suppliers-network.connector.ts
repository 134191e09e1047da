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
import { provinceFromName, provinceFromTown } from './gazetteer';
import type { ResilientHttpClient } from './http-client';
import { toKg, toZarPerKg } from './offer-values';
import { productTypeFromName } from './products';

const numeric = z.union([z.number(), z.string().max(40)]);

const RecordSchema = z.object({
  listing_ref: z.string().min(1).max(100),
  supplier: z.object({
    name: z.string().trim().min(1).max(200),
    town: z.string().max(100).nullish(),
    province: z.string().max(60).nullish(),
    permit_no: z.string().max(60).nullish(),
  }),
  product: z.string().min(1).max(200),
  quantity_tonnes: numeric,
  price_zar_per_tonne: numeric,
  certifications: z.array(z.string().max(100)).max(20).default([]),
});

const EnvelopeSchema = z.object({
  page: z.number().int().min(1),
  total_pages: z.number().int().min(0),
  data: z.array(z.unknown()).max(1000),
});

const PAGE_SIZE = 100;

/** Hemp Suppliers Network: page numbers, tonnes, rand per tonne, free-text products and provinces. */
export class HempSuppliersNetworkConnector implements OfferConnector {
  readonly slug = 'hemp-suppliers-network';
  readonly produces = 'offers' as const;

  constructor(
    private readonly http: ResilientHttpClient,
    private readonly baseUrl: () => string,
  ) {}

  async fetchPage(ref: string | null, credential: string, options: FetchOptions = {}): Promise<Page> {
    const page = ref === null ? 1 : Number(ref);
    const url = new URL('/v1/listings', this.baseUrl());
    url.searchParams.set('page', String(page));
    url.searchParams.set('per_page', String(options.pageSize ?? PAGE_SIZE));
    const body = await this.http.getJson(
      url.toString(),
      { authorization: `Bearer ${credential}` },
      options.signal,
      options.hooks,
    );
    const envelope = parseEnvelope(EnvelopeSchema, body, this.slug);
    const rest =
      ref === null ? Array.from({ length: Math.max(0, envelope.total_pages - 1) }, (_, i) => String(i + 2)) : undefined;
    return { records: envelope.data, next: null, rest };
  }

  normalise(raw: unknown): Normalised<NormalisedOffer> {
    const parsed = RecordSchema.safeParse(raw);
    if (!parsed.success)
      return { ok: false, externalId: idOf(raw, 'listing_ref'), reason: describeIssues(parsed.error) };
    const r = parsed.data;
    const reject = (reason: string) => ({ ok: false as const, externalId: r.listing_ref, reason });
    const productType = productTypeFromName(r.product);
    if (!productType) return reject(`product: no product type for "${r.product}"`);
    const quantity = toKg(r.quantity_tonnes, 3);
    if ('reason' in quantity) return reject(`quantity_tonnes: ${quantity.reason}`);
    const price = toZarPerKg(r.price_zar_per_tonne, -3);
    if ('reason' in price) return reject(`price_zar_per_tonne: ${price.reason}`);
    const town = r.supplier.town?.trim() || null;
    const province =
      (r.supplier.province ? provinceFromName(r.supplier.province) : null) ?? (town ? provinceFromTown(town) : null);
    return {
      ok: true,
      value: {
        externalId: r.listing_ref,
        supplierName: r.supplier.name,
        productType,
        quantityKg: quantity.kg,
        pricePerKg: price.zar,
        province,
        town,
        certifications: [...new Set(r.certifications.map((c) => c.trim()).filter(Boolean))],
        licenceNumber: r.supplier.permit_no?.trim() || null,
      },
    };
  }
}
