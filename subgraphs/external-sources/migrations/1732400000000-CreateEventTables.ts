import { createEventTablesMigration } from '#platform/infra/events/migration';

export const CreateEventTables1732400000000 = createEventTablesMigration('external', 1732400000000);
