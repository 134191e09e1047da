import type { z } from 'zod';
import type { ProductType, Province } from '#platform/infra/schema/shared-types';
import { SourceRequestError, type RequestHooks } from './http-client';

/** An offer in the marketplace's terms: kg, rand per kg as a two-place decimal string, our enums. */
export interface NormalisedOffer {
  externalId: string;
  supplierName: string;
  productType: ProductType;
  /** Decimal string, three places. */
  quantityKg: string;
  /** Decimal string, two places, ZAR. */
  pricePerKg: string;
  province: Province | null;
  town: string | null;
  certifications: string[];
  licenceNumber: string | null;
}

export enum LicenceStatus {
  ACTIVE = 'ACTIVE',
  SUSPENDED = 'SUSPENDED',
  REVOKED = 'REVOKED',
  EXPIRED = 'EXPIRED',
}

export interface NormalisedLicence {
  externalId: string;
  holderName: string;
  licenceType: string;
  province: Province | null;
  status: LicenceStatus;
  issuedOn: string;
  expiresOn: string;
}

export type Normalised<T> = { ok: true; value: T } | { ok: false; externalId: string | null; reason: string };

/** Where the next pages are: `next` to follow one at a time (cursors), `rest` known up front (page numbers). */
export interface Page {
  records: unknown[];
  next: string | null;
  rest?: string[];
}

export interface FetchOptions {
  signal?: AbortSignal;
  hooks?: RequestHooks;
  /** Records per page; a connection test asks for one. */
  pageSize?: number;
}

interface ConnectorBase {
  readonly slug: string;
  /** One page, the first when `ref` is null. Throws SourceRequestError when the source fails. */
  fetchPage(ref: string | null, credential: string, options?: FetchOptions): Promise<Page>;
}

export interface OfferConnector extends ConnectorBase {
  readonly produces: 'offers';
  normalise(raw: unknown): Normalised<NormalisedOffer>;
}

export interface LicenceConnector extends ConnectorBase {
  readonly produces: 'licences';
  normalise(raw: unknown): Normalised<NormalisedLicence>;
}

/** One per source: fetch a page of its own format, normalise each record to ours. */
export type Connector = OfferConnector | LicenceConnector;

/** Reads a response envelope; a source that changed its format fails the crawl loudly. */
export function parseEnvelope<T>(schema: z.ZodType<T>, body: unknown, slug: string): T {
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new SourceRequestError(
      `${slug} answered in an unexpected format (${first.path.join('.') || 'body'}: ${first.message})`,
      'bad-body',
      false,
    );
  }
  return parsed.data;
}

/** A rejection reason from zod issues: the first few, with their paths. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => `${i.path.join('.') || 'record'}: ${i.message}`)
    .join('; ');
}

/** The record's id, if it has one where the source keeps it, for the rejection report. */
export function idOf(raw: unknown, field: string): string | null {
  if (raw && typeof raw === 'object' && field in raw) {
    const v = (raw as Record<string, unknown>)[field];
    if (typeof v === 'string' || typeof v === 'number') return String(v).slice(0, 200);
  }
  return null;
}
