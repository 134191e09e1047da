import { z } from 'zod';
import { accessLevel, money, productType, province, spec, timestamp, uuid } from '#platform/contracts/events/fields';

/** Crawl events of a data source, written by external-sources. */

const externalOffer = z.object({
  offerId: uuid,
  externalId: z.string().min(1).max(200),
  productType,
  quantityKg: z.number().nonnegative(),
  pricePerKg: money,
  province: province.nullable(),
  certifications: z.array(z.string().max(100)).max(50),
  fetchedAt: timestamp,
});

export const CRAWL_EVENTS = {
  'external.offers.crawled': spec({
    version: 1,
    aggregateType: 'data-source',
    aggregateId: (p) => p.dataSourceId,
    payload: z.object({
      crawlRunId: uuid,
      dataSourceId: uuid,
      fetched: z.number().int().nonnegative(),
      normalized: z.number().int().nonnegative(),
      rejected: z.number().int().nonnegative(),
      /** At most 500 per event: a larger crawl is published as several events. */
      offers: z.array(externalOffer).max(500),
      /** The consent level a user needs to receive this source's data. */
      requiredAccessLevel: accessLevel,
      /** Offers of this source that the crawl no longer found (at most 500 per event, chunked like offers). */
      goneOfferIds: z.array(uuid).max(500),
      /** When the crawl was committed; every offer of this crawl has this fetchedAt. */
      crawledAt: timestamp,
      /** True when every page was read (only then are offers marked gone). */
      complete: z.boolean(),
      /** This event's place among the events of one crawl of one source (0-based), and how many there are. */
      chunkIndex: z.number().int().nonnegative(),
      chunkCount: z.number().int().positive(),
    }),
    description:
      'A crawl of one data source finished; offers are the normalised ones of this chunk, goneOfferIds those no longer listed.',
  }),
} as const;
