import { createEventMetadataMigration } from '#platform/infra/events/migration';

export const EventTraceMetadata1732610000000 = createEventMetadataMigration('analytics', 1732610000000);
