import type { DomainEvent, EventType } from '#platform/contracts/events/catalogue';
import type { EventTraceMetadata } from '#platform/infra/observability/tracing';

/** The wire form of an event: the envelope with `occurredAt` as an ISO string. */
export interface SerializedEvent {
  id: string;
  type: string;
  version: number;
  source: string;
  aggregateType: string;
  aggregateId: string;
  occurredAt: string;
  payload: unknown;
  metadata?: EventTraceMetadata | null;
}

export function serializeEvent(e: DomainEvent): SerializedEvent {
  return { ...e, occurredAt: e.occurredAt.toISOString() };
}

export function deserializeEvent(value: unknown): DomainEvent {
  const v = (typeof value === 'string' ? JSON.parse(value) : value) as SerializedEvent;
  return { ...v, type: v.type as EventType, occurredAt: new Date(v.occurredAt) } as DomainEvent;
}

/** A row of an outbox or of the bus table (snake_case columns) as an event. */
export function eventFromRow(
  row: {
    event_id: string;
    type: string;
    version: number;
    source?: string;
    aggregate_type: string;
    aggregate_id: string;
    payload: unknown;
    occurred_at: Date | string;
    metadata?: unknown;
  },
  source?: string,
): DomainEvent {
  return {
    id: row.event_id,
    type: row.type as EventType,
    version: Number(row.version),
    source: row.source ?? source ?? 'unknown',
    aggregateType: row.aggregate_type,
    aggregateId: row.aggregate_id,
    occurredAt: row.occurred_at instanceof Date ? row.occurred_at : new Date(row.occurred_at),
    payload: typeof row.payload === 'string' ? JSON.parse(row.payload) : row.payload,
    ...(row.metadata
      ? { metadata: (typeof row.metadata === 'string' ? JSON.parse(row.metadata) : row.metadata) as EventTraceMetadata }
      : {}),
  } as DomainEvent;
}
