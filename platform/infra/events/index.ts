/** Domain events: the catalogue, the producer API (outbox), consumers and the runtime. See docs/events.md. */
export * from '#platform/contracts/events/catalogue';
export { Outbox, type NewEvent } from '#platform/infra/events/outbox';
export {
  defineConsumer,
  type ConsumerDefinition,
  type ConsumerContext,
  type EventHandler,
  type EventHandlers,
} from '#platform/infra/events/consumer';
export type { BatchWriter } from '#platform/infra/events/deferred';
export { createEventMetadataMigration, createEventTablesMigration } from '#platform/infra/events/migration';
export { EventRuntime, type EventRuntimeOptions } from '#platform/infra/events/runtime';
