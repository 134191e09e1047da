import { z } from 'zod';
import {
  describeIssues,
  idOf,
  LicenceStatus,
  parseEnvelope,
  type FetchOptions,
  type LicenceConnector,
  type Normalised,
  type NormalisedLicence,
  type Page,
} from './connector';
import { provinceFromName } from './gazetteer';
import type { ResilientHttpClient } from './http-client';

const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date as YYYY-MM-DD')
  .refine((d) => !Number.isNaN(Date.parse(d)) && new Date(d).toISOString().startsWith(d), 'not a calendar date');

const RecordSchema = z.object({
  licence_no: z.string().min(1).max(60),
  holder_name: z.string().trim().min(1).max(200),
  licence_type: z.string().min(1).max(60),
  province_code: z.string().max(10),
  status: z.enum(LicenceStatus),
  issued_on: isoDate,
  expires_on: isoDate,
});

const EnvelopeSchema = z.object({
  response: z.object({
    numFound: z.number().int().min(0),
    start: z.number().int().min(0),
    docs: z.array(z.unknown()).max(1000),
  }),
});

const PAGE_SIZE = 250;

/** Regulatory Registry: licence records in a search-engine envelope, provinces as codes, Basic auth. */
export class RegulatoryRegistryConnector implements LicenceConnector {
  readonly slug = 'regulatory-registry';
  readonly produces = 'licences' as const;

  constructor(
    private readonly http: ResilientHttpClient,
    private readonly baseUrl: () => string,
  ) {}

  async fetchPage(ref: string | null, credential: string, options: FetchOptions = {}): Promise<Page> {
    const rows = options.pageSize ?? PAGE_SIZE;
    const url = new URL('/registry/v1/licences', this.baseUrl());
    url.searchParams.set('start', ref ?? '0');
    url.searchParams.set('rows', String(rows));
    const auth = `Basic ${Buffer.from(credential, 'utf8').toString('base64')}`;
    const body = await this.http.getJson(url.toString(), { authorization: auth }, options.signal, options.hooks);
    const { response } = parseEnvelope(EnvelopeSchema, body, this.slug);
    let rest: string[] | undefined;
    if (ref === null) {
      rest = [];
      for (let start = rows; start < response.numFound; start += rows) rest.push(String(start));
    }
    return { records: response.docs, next: null, rest };
  }

  normalise(raw: unknown): Normalised<NormalisedLicence> {
    const parsed = RecordSchema.safeParse(raw);
    if (!parsed.success)
      return { ok: false, externalId: idOf(raw, 'licence_no'), reason: describeIssues(parsed.error) };
    const r = parsed.data;
    if (r.expires_on < r.issued_on)
      return { ok: false, externalId: r.licence_no, reason: 'expires_on: before issued_on' };
    return {
      ok: true,
      value: {
        externalId: r.licence_no,
        holderName: r.holder_name,
        licenceType: r.licence_type,
        province: provinceFromName(r.province_code),
        status: r.status,
        issuedOn: r.issued_on,
        expiresOn: r.expires_on,
      },
    };
  }
}
