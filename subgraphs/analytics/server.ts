import 'reflect-metadata';
import type { SubgraphModule } from '#platform/infra/service/subgraph';
import type { AnalyticsLoaders } from './context.type';
import { CreateInteractions1732233600000 } from './migrations/1732233600000-CreateInteractions';
import { CreateEventTables1732400000000 } from './migrations/1732400000000-CreateEventTables';
import { EventTraceMetadata1732610000000 } from './migrations/1732610000000-EventTraceMetadata';
import { ErasedSubjects1732500000000 } from './migrations/1732500000000-ErasedSubjects';
import { analyticsDataSubject } from './modules/data-subject/data-subject.service';
import { AnalyticsReadModels1732510000000 } from './migrations/1732510000000-AnalyticsReadModels';
import { InteractionRollupDaily1732700000000 } from './migrations/1732700000000-InteractionRollupDaily';
import { interactionConsumer } from './modules/interaction/interaction.consumer';
import { readModelConsumer } from './modules/read-model/read-model.consumer';
import { HealthResolver } from './modules/health/health.resolver';
import { InteractionEntity } from './modules/interaction/interaction.entity';
import { InteractionResolver } from './modules/interaction/interaction.resolver';
import { AggregateResolver } from './modules/aggregate/aggregate.resolver';
import { MlResolver } from './modules/ml/ml.resolver';
import { ExperimentResolver } from './modules/experiment/experiment.resolver';
import { MarketResolver } from './modules/market/market.resolver';
import { createPriceIndexLoader } from './modules/market/market.service';
import { PerformanceResolver } from './modules/performance/performance.resolver';
import { startRetentionPurge } from './modules/privacy/privacy.service';
import { analyticsPermissions } from './permissions';

export const analyticsSubgraph: SubgraphModule<AnalyticsLoaders> = {
  name: 'analytics',
  dbSchema: 'analytics',
  entities: [InteractionEntity],
  migrations: [
    CreateInteractions1732233600000,
    CreateEventTables1732400000000,
    ErasedSubjects1732500000000,
    AnalyticsReadModels1732510000000,
    EventTraceMetadata1732610000000,
    InteractionRollupDaily1732700000000,
  ],
  resolvers: [
    HealthResolver,
    InteractionResolver,
    AggregateResolver,
    MlResolver,
    ExperimentResolver,
    MarketResolver,
    PerformanceResolver,
  ],
  permissions: analyticsPermissions,
  createLoaders: (deps) => ({ priceIndex: createPriceIndexLoader(deps.db.dataSource) }),
  consumers: [interactionConsumer, readModelConsumer],
  onStart: async (deps) => startRetentionPurge(deps),
  dataSubject: analyticsDataSubject,
};
