import { z } from 'zod';
import { money, productType, province, quantity, spec, uuid } from '#platform/contracts/events/fields';
import { listingStatus } from '#platform/contracts/events/listing';

/** What buyers looked for, written by listings-matching. */

/** What a buyer searched for: the filter and sort of `Query.listings`, nothing free-text. */
export const searchCriteriaSchema = z
  .object({
    productType: productType.optional(),
    province: province.optional(),
    minPricePerKg: money.optional(),
    maxPricePerKg: money.optional(),
    minAvailableKg: z.number().nonnegative().optional(),
    socialImpactOnly: z.boolean().optional(),
    sellerId: uuid.optional(),
    status: listingStatus.optional(),
    sort: z.string().max(32).optional(),
  })
  .strict();

export const MATCHING_EVENTS = {
  'search.performed': spec({
    version: 1,
    aggregateType: 'search',
    aggregateId: (p) => p.userId ?? 'anonymous',
    payload: z.object({
      userId: uuid.nullable(),
      criteria: searchCriteriaSchema,
      resultCount: z.number().int().nonnegative(),
    }),
    description: 'Query.listings ran: the criteria and how many listings matched in total.',
  }),
  'match.requested': spec({
    version: 1,
    aggregateType: 'match',
    aggregateId: (p) => p.matchRequestId,
    payload: z.object({
      matchRequestId: uuid,
      buyerId: uuid,
      criteria: searchCriteriaSchema,
      includeExternal: z.boolean(),
      resultCount: z.number().int().nonnegative(),
      /** The kilograms asked for. */
      quantityKg: quantity,
      /** The ranked internal matches, best first (at most 100). */
      listingIds: z.array(uuid).max(100),
      /** How many of resultCount are external offers. */
      externalResultCount: z.number().int().nonnegative(),
    }),
    description: 'A buyer asked for matches (internal listings and, with consent, external offers).',
  }),
} as const;
