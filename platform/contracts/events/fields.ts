import { z } from 'zod';
import { AccessLevel, ProductType, Province } from '#platform/infra/schema/shared-types';

/** Field schemas several aggregates' events share, and the shape of one catalogue entry. */

/**
 * A zod enum of a TypeScript string enum's values, typed as their string literals: producers may
 * pass the enum member or the plain string, and a value added to the GraphQL enum is accepted here
 * without listing it twice.
 */
export function valuesOf<E extends Record<string, string>>(e: E) {
  return z.enum(Object.values(e) as [`${E[keyof E]}`, ...`${E[keyof E]}`[]]);
}

export const uuid = z.string().uuid();
export const money = z.string().regex(/^\d{1,12}(\.\d{1,2})?$/, 'a decimal amount with at most two places');
export const quantity = z.string().regex(/^\d{1,12}(\.\d{1,3})?$/, 'a decimal quantity with at most three places');
export const timestamp = z.string().datetime({ offset: true });
export const productType = valuesOf(ProductType);
export const province = valuesOf(Province);
export const accessLevel = valuesOf(AccessLevel);

export interface EventSpec<S extends z.ZodTypeAny> {
  version: number;
  /** The kind of thing the event is about, e.g. `listing`. */
  aggregateType: string;
  /** Which one: events with the same aggregate id are kept in order. */
  aggregateId(payload: z.infer<S>): string;
  payload: S;
  description: string;
}

export function spec<S extends z.ZodTypeAny>(s: EventSpec<S>): EventSpec<S> {
  return s;
}
