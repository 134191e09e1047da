import 'reflect-metadata';
import type { SubgraphModule } from '../../platform/subgraph';
import type { AnalyticsLoaders } from './context.type';
import { CreateInteractions1732233600000 } from './migrations/1732233600000-CreateInteractions';
import { CreateEventTables1732400000000 } from './migrations/1732400000000-CreateEventTables';
import { ErasedSubjects1732500000000 } from './migrations/1732500000000-ErasedSubjects';
import { analyticsDataSubject } from './modules/data-subject/data-subject.service';
import { interactionConsumer } from './modules/interaction/interaction.consumer';
import { HealthResolver } from './modules/health/health.resolver';
import { InteractionEntity } from './modules/interaction/interaction.entity';
import { InteractionResolver } from './modules/interaction/interaction.resolver';
import { analyticsPermissions } from './permissions';

export const analyticsSubgraph: SubgraphModule<AnalyticsLoaders> = {
  name: 'analytics',
  dbSchema: 'analytics',
  entities: [InteractionEntity],
  migrations: [CreateInteractions1732233600000, CreateEventTables1732400000000, ErasedSubjects1732500000000],
  resolvers: [HealthResolver, InteractionResolver],
  permissions: analyticsPermissions,
  createLoaders: () => ({}),
  consumers: [interactionConsumer],
  dataSubject: analyticsDataSubject,
};
