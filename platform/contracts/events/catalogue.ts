import type { z } from 'zod';
import { CONSENT_EVENTS } from '#platform/contracts/events/consent';
import { CRAWL_EVENTS } from '#platform/contracts/events/crawl';
import { LISTING_EVENTS } from '#platform/contracts/events/listing';
import { MATCHING_EVENTS } from '#platform/contracts/events/matching';
import { ORDER_EVENTS } from '#platform/contracts/events/order';
import { USER_EVENTS } from '#platform/contracts/events/user';
import type { EventTraceMetadata } from '#platform/infra/observability/tracing';

/**
 * The one catalogue of domain events. Producers and consumers import their payload types from
 * here, so a change to a payload is a compile error on both sides. Each aggregate's events are
 * defined in their own file beside this one; this file puts them together and checks events.
 *
 * Payloads carry ids, never names or e-mail addresses: analytics pseudonymises user ids itself, and
 * an erasure must not have to chase personal data through the event log.
 *
 * Each entry has a version (bump it, and keep accepting the old shape, when a payload changes
 * incompatibly), the payload schema, and the aggregate the event belongs to: events of one
 * aggregate are published and consumed in the order they were written.
 */
export const EVENT_CATALOGUE = {
  ...LISTING_EVENTS,
  ...MATCHING_EVENTS,
  ...ORDER_EVENTS,
  ...CONSENT_EVENTS,
  ...CRAWL_EVENTS,
  ...USER_EVENTS,
} as const;

export { searchCriteriaSchema } from '#platform/contracts/events/matching';

export type EventCatalogue = typeof EVENT_CATALOGUE;
export type EventType = keyof EventCatalogue;
export type EventPayload<T extends EventType> = z.infer<EventCatalogue[T]['payload']>;
export const EVENT_TYPES = Object.keys(EVENT_CATALOGUE) as EventType[];

/** An event as it travels: the envelope is the same for every type. */
export interface DomainEvent<T extends EventType = EventType> {
  id: string;
  type: T;
  version: number;
  /** The subgraph that wrote it. */
  source: string;
  aggregateType: string;
  aggregateId: string;
  occurredAt: Date;
  payload: EventPayload<T>;
  /** The trace context of the transaction that wrote it, when tracing is on (platform/infra/observability/tracing.ts). */
  metadata?: EventTraceMetadata | null;
}

export type AnyDomainEvent = { [T in EventType]: DomainEvent<T> }[EventType];

export function isEventType(value: string): value is EventType {
  return Object.prototype.hasOwnProperty.call(EVENT_CATALOGUE, value);
}

/** Thrown for an event that can never succeed (unknown type, newer version, invalid payload). */
export class PermanentEventError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PermanentEventError';
  }
}

/** Checks an incoming event against the catalogue; the payload comes back parsed. */
export function validateEvent(event: DomainEvent<EventType>): AnyDomainEvent {
  if (!isEventType(event.type)) throw new PermanentEventError(`unknown event type ${event.type}`);
  const entry = EVENT_CATALOGUE[event.type];
  if (event.version > entry.version)
    throw new PermanentEventError(
      `${event.type} v${event.version} is newer than this service knows (v${entry.version})`,
    );
  const parsed = entry.payload.safeParse(event.payload);
  if (!parsed.success) {
    throw new PermanentEventError(
      `invalid ${event.type} payload: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  return { ...event, payload: parsed.data } as AnyDomainEvent;
}
