/** Domain events: the catalogue, the producer API (outbox), consumers and the runtime. See docs/events.md. */
export * from './catalogue';
export { Outbox, type NewEvent } from './outbox';
export {
  defineConsumer,
  type ConsumerDefinition,
  type ConsumerContext,
  type EventHandler,
  type EventHandlers,
} from './consumer';
export { createEventMetadataMigration, createEventTablesMigration } from './migration';
export { EventRuntime, type EventRuntimeOptions } from './runtime';
