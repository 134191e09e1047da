import DataLoader from 'dataloader';
import type { ActiveConsent, ConsentClient } from '#platform/contracts/consent-client';
import { AccessLevel } from '#platform/infra/schema/shared-types';
import type { SubgraphDeps } from '#platform/infra/service/subgraph';
import type { ExternalContext } from '../subgraphs/external-sources/context.type';
import type { DataSourceEntity } from '../subgraphs/external-sources/modules/data-source/data-source.entity';
import { DataSourceKind } from '../subgraphs/external-sources/modules/data-source/data-source.type';
import { createViewerConsents, permittedSourceIds } from '../subgraphs/external-sources/modules/offer/offer-access';
import type { ExternalOfferEntity, LicenceEntity } from '../subgraphs/external-sources/modules/offer/offer.entity';
import { resolveExternalOfferReference } from '../subgraphs/external-sources/modules/offer/offer.reference';
import { ExternalOfferResolver } from '../subgraphs/external-sources/modules/offer/offer.resolver';

const HSN = '5b2f7a10-1c1e-4f36-9a51-3d2f0e6b0a01';
const SACX = '5b2f7a10-1c1e-4f36-9a51-3d2f0e6b0a02';
const REG = '5b2f7a10-1c1e-4f36-9a51-3d2f0e6b0a03';
const USER = '0d6b1a3c-7c1e-4b7a-9f65-1f9a3a0e2b11';

const sources = [
  {
    id: HSN,
    slug: 'hemp-suppliers-network',
    name: 'Hemp Suppliers Network',
    kind: DataSourceKind.SUPPLIER_NETWORK,
    requiredAccessLevel: AccessLevel.BASIC,
  },
  {
    id: SACX,
    slug: 'sa-cannabis-exchange',
    name: 'SA Cannabis Exchange',
    kind: DataSourceKind.EXCHANGE,
    requiredAccessLevel: AccessLevel.ADVANCED,
  },
  {
    id: REG,
    slug: 'regulatory-registry',
    name: 'Regulatory Registry',
    kind: DataSourceKind.REGULATORY_REGISTRY,
    requiredAccessLevel: AccessLevel.FULL,
  },
] as DataSourceEntity[];

const consent = (dataSourceId: string, accessLevel: AccessLevel, expiresAt: string | null = null): ActiveConsent => ({
  dataSourceId,
  accessLevel,
  consentVersion: 'v1',
  expiresAt,
});

/** identity-consent's answer, held in memory: tests change it between requests. */
class InMemoryConsentClient implements ConsentClient {
  calls = 0;
  constructor(public consents: ActiveConsent[]) {}
  async activeConsents(userId: string): Promise<ActiveConsent[]> {
    this.calls += 1;
    return userId === USER ? this.consents : [];
  }
}

const offerRow = (id: string, dataSourceId: string, licenceNumber: string | null = null): ExternalOfferEntity =>
  ({
    id,
    dataSourceId,
    externalId: `X-${id.slice(0, 4)}`,
    supplierName: 'Karoo Hemp Co-op',
    productType: 'HEMP_FIBRE',
    quantityKg: '1000.000',
    pricePerKg: '18.50',
    province: 'EASTERN_CAPE',
    town: 'Makhanda',
    certifications: [],
    licenceNumber,
    fetchedAt: new Date(),
    firstSeenAt: new Date(),
    lastCrawlRunId: id,
    goneAt: null,
  }) as ExternalOfferEntity;

const OFFER_HSN = 'aaaaaaaa-0000-4000-8000-000000000001';
const OFFER_SACX = 'aaaaaaaa-0000-4000-8000-000000000002';
const offers = new Map([
  [OFFER_HSN, offerRow(OFFER_HSN, HSN, 'DALRRD-HP-2024-0001')],
  [OFFER_SACX, offerRow(OFFER_SACX, SACX)],
]);
const licences = new Map<string, LicenceEntity>([
  [
    'DALRRD-HP-2024-0001',
    {
      dataSourceId: REG,
      licenceNumber: 'DALRRD-HP-2024-0001',
      holderName: 'Karoo Hemp Co-op',
      licenceType: 'HEMP_PERMIT',
      province: null,
      status: 'ACTIVE',
      issuedOn: '2024-01-01',
      expiresOn: '2099-01-01',
      fetchedAt: new Date(),
      lastCrawlRunId: OFFER_HSN,
      goneAt: null,
    },
  ],
]);

/** A request's context with in-memory loaders: no database, only the gating logic. */
function requestContext(client: ConsentClient, signedIn = true): ExternalContext {
  const userId = signedIn ? USER : null;
  return {
    viewer: userId ? { kind: 'user', userId, roles: ['BUYER'], tokenId: 't' } : null,
    requestId: 'req-1',
    log: { info() {}, warn() {}, debug() {}, error() {} } as never,
    client: { ip: null, userAgent: null },
    loaders: {
      allDataSources: async () => sources,
      dataSourceById: new DataLoader(async (ids: readonly string[]) =>
        ids.map((id) => sources.find((s) => s.id === id) ?? null),
      ),
      offerById: new DataLoader(async (ids: readonly string[]) => ids.map((id) => offers.get(id) ?? null)),
      licenceByNumber: new DataLoader(async (ns: readonly string[]) => ns.map((n) => licences.get(n) ?? null)),
      viewerConsents: createViewerConsents(() => client, userId),
    } as unknown as ExternalContext['loaders'],
  };
}

/** The resolver must decide these cases before it touches the database. */
const noDatabase = new Proxy({} as SubgraphDeps, {
  get() {
    throw new Error('the database was used');
  },
});

describe('which sources a consent opens', () => {
  it('needs an ACTIVE consent at or above the source level', () => {
    expect(permittedSourceIds(sources, [consent(HSN, AccessLevel.BASIC)])).toEqual(new Set([HSN]));
    expect(permittedSourceIds(sources, [consent(SACX, AccessLevel.BASIC)])).toEqual(new Set());
    expect(
      permittedSourceIds(sources, [consent(SACX, AccessLevel.ADVANCED), consent(REG, AccessLevel.ADVANCED)]),
    ).toEqual(new Set([SACX]));
    expect(
      permittedSourceIds(
        sources,
        sources.map((s) => consent(s.id, AccessLevel.FULL)),
      ),
    ).toEqual(new Set([HSN, SACX, REG]));
  });

  it('ignores a consent that expired, even one the answer still called active', () => {
    const now = new Date('2026-01-01T00:00:00Z');
    expect(permittedSourceIds(sources, [consent(HSN, AccessLevel.FULL, '2025-12-31T23:59:59Z')], now)).toEqual(
      new Set(),
    );
    expect(permittedSourceIds(sources, [consent(HSN, AccessLevel.FULL, '2026-01-02T00:00:00Z')], now)).toEqual(
      new Set([HSN]),
    );
  });

  it('asks identity-consent once per request, and again on the next request', async () => {
    const client = new InMemoryConsentClient([consent(HSN, AccessLevel.BASIC)]);
    const ask = createViewerConsents(() => client, USER);
    await Promise.all([ask('r'), ask('r'), ask('r')]);
    expect(client.calls).toBe(1);
    await createViewerConsents(() => client, USER)('r2');
    expect(client.calls).toBe(2);
    await createViewerConsents(() => client, null)('r3');
    expect(client.calls).toBe(2);
  });
});

describe('externalOffers gating (in-memory consent client)', () => {
  const resolver = new ExternalOfferResolver(noDatabase);

  it('refuses a source the caller has not consented to at its level', async () => {
    const client = new InMemoryConsentClient([consent(SACX, AccessLevel.BASIC)]);
    await expect(resolver.externalOffers(requestContext(client), SACX)).rejects.toMatchObject({
      extensions: { code: 'FORBIDDEN' },
    });
  });

  it('returns an empty page without reading offers when nothing is consented', async () => {
    const client = new InMemoryConsentClient([]);
    await expect(resolver.externalOffers(requestContext(client))).resolves.toEqual({
      edges: [],
      pageInfo: { hasNextPage: false, endCursor: null },
      totalCount: 0,
    });
  });

  it('applies a withdrawal from the very next request', async () => {
    const client = new InMemoryConsentClient([consent(HSN, AccessLevel.BASIC)]);
    expect(permittedSourceIds(sources, await requestContext(client).loaders.viewerConsents('a'))).toEqual(
      new Set([HSN]),
    );
    client.consents = [];
    await expect(resolver.externalOffers(requestContext(client), HSN)).rejects.toMatchObject({
      extensions: { code: 'FORBIDDEN' },
    });
  });

  it('refuses anonymous callers, bad ids and unknown sources', async () => {
    const client = new InMemoryConsentClient([]);
    await expect(resolver.externalOffers(requestContext(client, false))).rejects.toMatchObject({
      extensions: { code: 'UNAUTHENTICATED' },
    });
    await expect(resolver.externalOffers(requestContext(client), 'nope')).rejects.toMatchObject({
      extensions: { code: 'BAD_USER_INPUT', field: 'dataSourceId' },
    });
    await expect(
      resolver.externalOffers(requestContext(client), 'ffffffff-0000-4000-8000-000000000000'),
    ).rejects.toMatchObject({ extensions: { code: 'NOT_FOUND' } });
    await expect(resolver.externalOffers(requestContext(client), undefined, undefined, 101)).rejects.toMatchObject({
      extensions: { code: 'BAD_USER_INPUT', field: 'first' },
    });
  });

  it('hides an offer reached through _entities unless its source is consented', async () => {
    const client = new InMemoryConsentClient([consent(HSN, AccessLevel.BASIC)]);
    await expect(resolveExternalOfferReference({ id: OFFER_HSN }, requestContext(client))).resolves.toMatchObject({
      id: OFFER_HSN,
    });
    await expect(resolveExternalOfferReference({ id: OFFER_SACX }, requestContext(client))).resolves.toBeNull();
    await expect(resolveExternalOfferReference({ id: OFFER_HSN }, requestContext(client, false))).resolves.toBeNull();
    client.consents = [];
    await expect(resolveExternalOfferReference({ id: OFFER_HSN }, requestContext(client))).resolves.toBeNull();
  });

  it('shows the licence check only with an ACTIVE consent for the registry', async () => {
    const offer = (await resolveExternalOfferReference(
      { id: OFFER_HSN },
      requestContext(new InMemoryConsentClient([consent(HSN, AccessLevel.BASIC)])),
    ))!;
    const withoutRegistry = new InMemoryConsentClient([consent(HSN, AccessLevel.BASIC)]);
    await expect(resolver.licence(offer, requestContext(withoutRegistry))).resolves.toBeNull();
    const withRegistry = new InMemoryConsentClient([consent(HSN, AccessLevel.BASIC), consent(REG, AccessLevel.FULL)]);
    await expect(resolver.licence(offer, requestContext(withRegistry))).resolves.toMatchObject({
      status: 'ACTIVE',
      verified: true,
      holderName: 'Karoo Hemp Co-op',
    });
  });
});
