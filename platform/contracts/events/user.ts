import { z } from 'zod';
import { spec, uuid } from '#platform/contracts/events/fields';

/** Data-subject erasure across subgraphs: identity-consent asks, every subgraph answers. */
export const USER_EVENTS = {
  'user.erasure.requested': spec({
    version: 1,
    aggregateType: 'user',
    aggregateId: (p) => p.userId,
    payload: z.object({ requestId: uuid, userId: uuid }),
    description: 'A data-subject erasure request: every subgraph erases or pseudonymises the user.',
  }),
  'user.erasure.completed': spec({
    version: 1,
    aggregateType: 'user',
    aggregateId: (p) => p.userId,
    payload: z.object({
      requestId: uuid,
      userId: uuid,
      subgraph: z.string().max(64),
      erased: z.number().int().nonnegative(),
      retained: z.number().int().nonnegative(),
      reason: z.string().max(500).nullable(),
    }),
    description: 'One subgraph’s reply to user.erasure.requested: what it erased and what it kept by law.',
  }),
} as const;
