import 'reflect-metadata';
import type { SubgraphModule } from '#platform/infra/service/subgraph';
import { createExternalLoaders, type ExternalLoaders } from './loaders';
import { CreateDataSources1732233600000 } from './migrations/1732233600000-CreateDataSources';
import { CreateCrawlerTables1732320000000 } from './migrations/1732320000000-CreateCrawlerTables';
import { CreateEventTables1732400000000 } from './migrations/1732400000000-CreateEventTables';
import { EventTraceMetadata1732610000000 } from './migrations/1732610000000-EventTraceMetadata';
import { CrawlRejectionEntity, CrawlRunEntity, CrawlSourceResultEntity } from './modules/crawl/crawl.entity';
import { resolveCrawlRunReference } from './modules/crawl/crawl.reference';
import { CrawlRunResolver, SourceCrawlResultResolver } from './modules/crawl/crawl.resolver';
import { DataSourceCredentialEntity } from './modules/credential/credential.entity';
import { CredentialResolver } from './modules/credential/credential.resolver';
import { externalDataSubject } from './modules/data-subject/data-subject.service';
import { DataSourceEntity } from './modules/data-source/data-source.entity';
import { resolveDataSourceReference } from './modules/data-source/data-source.reference';
import { DataSourceResolver } from './modules/data-source/data-source.resolver';
import { ExternalOfferEntity, LicenceEntity } from './modules/offer/offer.entity';
import { resolveExternalOfferReference } from './modules/offer/offer.reference';
import { ExternalOfferResolver } from './modules/offer/offer.resolver';
import { externalPermissions } from './permissions';
import { startExternalRuntime } from './runtime';
import { closeRateLimitStore, externalRateLimits } from './rate-limits';

export const externalSourcesSubgraph: SubgraphModule<ExternalLoaders> = {
  name: 'external-sources',
  dbSchema: 'external',
  entities: [
    DataSourceEntity,
    CrawlRunEntity,
    CrawlSourceResultEntity,
    CrawlRejectionEntity,
    ExternalOfferEntity,
    LicenceEntity,
    DataSourceCredentialEntity,
  ],
  migrations: [
    CreateDataSources1732233600000,
    CreateCrawlerTables1732320000000,
    CreateEventTables1732400000000,
    EventTraceMetadata1732610000000,
  ],
  // external.offers.crawled, written with each source's crawl results
  outbox: true,
  resolvers: [
    DataSourceResolver,
    ExternalOfferResolver,
    CrawlRunResolver,
    SourceCrawlResultResolver,
    CredentialResolver,
  ],
  referenceResolvers: {
    DataSource: { __resolveReference: resolveDataSourceReference },
    ExternalOffer: { __resolveReference: resolveExternalOfferReference },
    CrawlRun: { __resolveReference: resolveCrawlRunReference },
  },
  permissions: externalPermissions,
  rateLimits: externalRateLimits,
  createLoaders: createExternalLoaders,
  onStart: async (deps) => {
    const stop = await startExternalRuntime(deps);
    return async () => {
      await stop();
      await closeRateLimitStore(deps);
    };
  },
  dataSubject: externalDataSubject,
};
