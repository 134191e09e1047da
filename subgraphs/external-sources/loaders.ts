import type { Viewer } from '#platform/infra/auth/viewer';
import type { SubgraphDeps } from '#platform/infra/service/subgraph';
import {
  createCrawlRunByIdLoader,
  createLastFinishedResultBySourceLoader,
  createLastRunBySourceLoader,
  createRejectionsLoader,
  createResultsByRunLoader,
} from './modules/crawl/crawl.loader';
import { createAllDataSources, createDataSourceByIdLoader } from './modules/data-source/data-source.loader';
import { createViewerConsents } from './modules/offer/offer-access';
import { createLicenceByNumberLoader, createOfferByIdLoader } from './modules/offer/offer.loader';
import { externalRuntime } from './runtime';

export function createExternalLoaders(deps: SubgraphDeps, viewer: Viewer | null) {
  const db = deps.db.dataSource;
  return {
    dataSourceById: createDataSourceByIdLoader(db),
    allDataSources: createAllDataSources(db),
    crawlRunById: createCrawlRunByIdLoader(db),
    resultsByRun: createResultsByRunLoader(db),
    lastRunBySource: createLastRunBySourceLoader(db),
    lastFinishedResultBySource: createLastFinishedResultBySourceLoader(db),
    rejections: createRejectionsLoader(db),
    offerById: createOfferByIdLoader(db),
    licenceByNumber: createLicenceByNumberLoader(db),
    viewerConsents: createViewerConsents(() => externalRuntime(deps).consents, viewer?.userId ?? null),
  };
}
export type ExternalLoaders = ReturnType<typeof createExternalLoaders>;
