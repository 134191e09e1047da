/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';
export type Maybe<T> = T | null;
export type InputMaybe<T> = Maybe<T>;
/** All built-in and custom scalars, mapped to their actual values */
export type Scalars = {
  ID: { input: string; output: string; }
  String: { input: string; output: string; }
  Boolean: { input: boolean; output: boolean; }
  Int: { input: number; output: number; }
  Float: { input: number; output: number; }
  /** A date-time string at UTC, such as 2007-12-03T10:15:30Z, compliant with the `date-time` format outlined in section 5.6 of the RFC 3339 profile of the ISO 8601 standard for representation of dates and times using the Gregorian calendar. */
  DateTime: { input: string; output: string; }
  /** The `JSON` scalar type represents JSON values as specified by [ECMA-404](http://www.ecma-international.org/publications/files/ECMA-ST/ECMA-404.pdf). */
  JSON: { input: unknown; output: unknown; }
};

/** Ordered: FULL includes ADVANCED includes BASIC */
export type AccessLevel =
  | 'ADVANCED'
  | 'BASIC'
  | 'FULL';

/** The outcome of calling a source with the caller's stored credential */
export type ConnectionTestResult = {
  __typename?: 'ConnectionTestResult';
  latencyMs: Scalars['Int']['output'];
  message: Scalars['String']['output'];
  ok: Scalars['Boolean']['output'];
};

/** A record the crawler could not normalise, and why */
export type CrawlRejection = {
  __typename?: 'CrawlRejection';
  /** The record's id at the source, when it had one */
  externalId?: Maybe<Scalars['String']['output']>;
  reason: Scalars['String']['output'];
  /** The record as the source sent it (large ones truncated) */
  record?: Maybe<Scalars['JSON']['output']>;
};

export type CrawlRejectionConnection = {
  __typename?: 'CrawlRejectionConnection';
  edges: Array<CrawlRejectionEdge>;
  pageInfo: PageInfo;
  totalCount: Scalars['Int']['output'];
};

export type CrawlRejectionEdge = {
  __typename?: 'CrawlRejectionEdge';
  cursor: Scalars['String']['output'];
  node: CrawlRejection;
};

/** One crawl of one or more external sources */
export type CrawlRun = {
  __typename?: 'CrawlRun';
  error?: Maybe<Scalars['String']['output']>;
  finishedAt?: Maybe<Scalars['DateTime']['output']>;
  id: Scalars['ID']['output'];
  results: Array<SourceCrawlResult>;
  startedAt: Scalars['DateTime']['output'];
  status: CrawlStatus;
  trigger: CrawlTrigger;
};

export type CrawlRunConnection = {
  __typename?: 'CrawlRunConnection';
  edges: Array<CrawlRunEdge>;
  pageInfo: PageInfo;
  totalCount: Scalars['Int']['output'];
};

export type CrawlRunEdge = {
  __typename?: 'CrawlRunEdge';
  cursor: Scalars['String']['output'];
  node: CrawlRun;
};

/** PARTIAL: some sources failed, the others were crawled */
export type CrawlStatus =
  | 'FAILED'
  | 'PARTIAL'
  | 'RUNNING'
  | 'SUCCEEDED';

export type CrawlTrigger =
  | 'MANUAL'
  | 'SCHEDULED';

/** An external source of offers or registry data that users may consent to */
export type DataSource = {
  __typename?: 'DataSource';
  description: Scalars['String']['output'];
  /** From the source's circuit breaker and its last finished crawl; UNKNOWN before any */
  health: SourceHealth;
  id: Scalars['ID']['output'];
  kind: DataSourceKind;
  /** ADMIN: the latest crawl run that included this source */
  lastCrawl?: Maybe<CrawlRun>;
  name: Scalars['String']['output'];
  /** The consent level a user must hold to receive data from this source */
  requiredAccessLevel: AccessLevel;
  slug: Scalars['String']['output'];
};

export type DataSourceKind =
  | 'EXCHANGE'
  | 'REGULATORY_REGISTRY'
  | 'SUPPLIER_NETWORK';

/** An offer found at an external source, normalised to kg and ZAR per kg */
export type ExternalOffer = {
  __typename?: 'ExternalOffer';
  certifications: Array<Scalars['String']['output']>;
  externalId: Scalars['String']['output'];
  /** When a crawl last found this offer */
  fetchedAt: Scalars['DateTime']['output'];
  id: Scalars['ID']['output'];
  /** The licence checked against the Regulatory Registry; null without a licence number or without an ACTIVE consent for the registry */
  licence?: Maybe<LicenceCheck>;
  /** The seller's licence or permit number, as the source gave it */
  licenceNumber?: Maybe<Scalars['String']['output']>;
  pricePerKg: Money;
  productType: ProductType;
  province?: Maybe<Province>;
  quantityKg: Scalars['Float']['output'];
  source: DataSource;
  supplierName: Scalars['String']['output'];
  town?: Maybe<Scalars['String']['output']>;
};

export type ExternalOfferConnection = {
  __typename?: 'ExternalOfferConnection';
  edges: Array<ExternalOfferEdge>;
  pageInfo: PageInfo;
  totalCount: Scalars['Int']['output'];
};

export type ExternalOfferEdge = {
  __typename?: 'ExternalOfferEdge';
  cursor: Scalars['String']['output'];
  node: ExternalOffer;
};

export type InteractionType =
  | 'CONSENT_GRANTED'
  | 'CONSENT_WITHDRAWN'
  | 'LISTING_VIEW'
  | 'MATCH_REQUEST'
  | 'ORDER'
  | 'SEARCH';

/** The seller's licence as the Regulatory Registry holds it */
export type LicenceCheck = {
  __typename?: 'LicenceCheck';
  /** YYYY-MM-DD */
  expiresOn?: Maybe<Scalars['String']['output']>;
  holderName?: Maybe<Scalars['String']['output']>;
  licenceNumber: Scalars['String']['output'];
  status: LicenceCheckStatus;
  /** ACTIVE in the registry and not past its expiry */
  verified: Scalars['Boolean']['output'];
};

export type LicenceCheckStatus =
  | 'ACTIVE'
  | 'EXPIRED'
  | 'NOT_FOUND'
  | 'REVOKED'
  | 'SUSPENDED';

/** Produce a seller offers on the marketplace */
export type Listing = {
  __typename?: 'Listing';
  availableKg: Scalars['Float']['output'];
  certifications: Array<Scalars['String']['output']>;
  createdAt: Scalars['DateTime']['output'];
  description?: Maybe<Scalars['String']['output']>;
  id: Scalars['ID']['output'];
  pricePerKg: Money;
  productType: ProductType;
  province: Province;
  quantityKg: Scalars['Float']['output'];
  seller: User;
  socialImpact: SocialImpact;
  status: ListingStatus;
  title: Scalars['String']['output'];
  updatedAt: Scalars['DateTime']['output'];
};

export type ListingConnection = {
  __typename?: 'ListingConnection';
  edges: Array<ListingEdge>;
  pageInfo: PageInfo;
  totalCount: Scalars['Int']['output'];
};

export type ListingEdge = {
  __typename?: 'ListingEdge';
  cursor: Scalars['String']['output'];
  node: Listing;
};

/** Every field narrows the result; all are optional */
export type ListingFilter = {
  /** Decimal string, ZAR per kg */
  maxPricePerKg?: InputMaybe<Scalars['String']['input']>;
  minAvailableKg?: InputMaybe<Scalars['Float']['input']>;
  /** Decimal string, ZAR per kg */
  minPricePerKg?: InputMaybe<Scalars['String']['input']>;
  productType?: InputMaybe<ProductType>;
  province?: InputMaybe<Province>;
  sellerId?: InputMaybe<Scalars['ID']['input']>;
  /** Only listings with a social impact score above zero */
  socialImpactOnly?: InputMaybe<Scalars['Boolean']['input']>;
  /** Other statuses than ACTIVE: the seller or ADMIN only */
  status?: InputMaybe<ListingStatus>;
};

export type ListingSort =
  | 'NEWEST'
  | 'PRICE_ASC'
  | 'PRICE_DESC'
  | 'SOCIAL_IMPACT';

export type ListingStatus =
  | 'ACTIVE'
  | 'ARCHIVED'
  | 'DRAFT'
  | 'PAUSED'
  | 'SOLD_OUT';

/** A client-side interaction, stored under the caller’s pseudonym */
export type LogInteractionInput = {
  listingId?: InputMaybe<Scalars['ID']['input']>;
  /** At most 4 KB of JSON */
  metadata?: InputMaybe<Scalars['JSON']['input']>;
  sessionId?: InputMaybe<Scalars['String']['input']>;
  type: InteractionType;
};

/** An amount of money: a decimal string with two places and an ISO currency */
export type Money = {
  __typename?: 'Money';
  /** Decimal string with two places, e.g. "1250.00" */
  amount: Scalars['String']['output'];
  /** ISO 4217 currency code; ZAR unless stated */
  currency: Scalars['String']['output'];
};

export type Mutation = {
  __typename?: 'Mutation';
  /** Deletes the caller's stored credential for a source; false when there was none */
  deleteDataSourceCredential: Scalars['Boolean']['output'];
  /** Records a client-side interaction for the signed-in user */
  logInteraction: Scalars['Boolean']['output'];
  /** Keeps the caller's credential for a source, encrypted; it is never returned. Needs sign-in only: it is used solely by testDataSourceConnection, which needs an ACTIVE consent */
  storeDataSourceCredential: Scalars['Boolean']['output'];
  /** Calls the source with the caller's stored credential; needs an ACTIVE consent at the source's required level */
  testDataSourceConnection: ConnectionTestResult;
  /** ADMIN. Starts a crawl of the given sources (all when omitted) and returns it RUNNING; poll crawlRun for the outcome */
  triggerCrawl: CrawlRun;
};


export type MutationDeleteDataSourceCredentialArgs = {
  dataSourceId: Scalars['ID']['input'];
};


export type MutationLogInteractionArgs = {
  input: LogInteractionInput;
};


export type MutationStoreDataSourceCredentialArgs = {
  credential: Scalars['String']['input'];
  dataSourceId: Scalars['ID']['input'];
};


export type MutationTestDataSourceConnectionArgs = {
  dataSourceId: Scalars['ID']['input'];
};


export type MutationTriggerCrawlArgs = {
  dataSourceIds?: InputMaybe<Array<Scalars['ID']['input']>>;
};

export type PageInfo = {
  __typename?: 'PageInfo';
  endCursor?: Maybe<Scalars['String']['output']>;
  hasNextPage: Scalars['Boolean']['output'];
};

export type ProductType =
  | 'CANNABIS_EXTRACT'
  | 'CANNABIS_FLOWER'
  | 'CBD_ISOLATE'
  | 'CBD_OIL'
  | 'HEMP_FIBRE'
  | 'HEMP_OIL'
  | 'HEMP_SEED'
  | 'SEEDLINGS';

/** South African provinces */
export type Province =
  | 'EASTERN_CAPE'
  | 'FREE_STATE'
  | 'GAUTENG'
  | 'KWAZULU_NATAL'
  | 'LIMPOPO'
  | 'MPUMALANGA'
  | 'NORTHERN_CAPE'
  | 'NORTH_WEST'
  | 'WESTERN_CAPE';

export type Query = {
  __typename?: 'Query';
  /** ADMIN */
  crawlRun?: Maybe<CrawlRun>;
  /** ADMIN. Newest first */
  crawlRuns: CrawlRunConnection;
  /** Public: the catalogue of external sources */
  dataSources: Array<DataSource>;
  /** Offers from the sources where the caller holds an ACTIVE consent at or above the source's requiredAccessLevel, as of this request */
  externalOffers: ExternalOfferConnection;
  /** Public when ACTIVE; otherwise its seller or ADMIN */
  listing?: Maybe<Listing>;
  /** Public. Keyset-paginated; first is capped at 100 */
  listings: ListingConnection;
  /** The signed-in user; null when anonymous */
  me?: Maybe<User>;
  /** Public: every subgraph and the database, with latency */
  systemHealth: SystemHealth;
  /** ADMIN */
  user?: Maybe<User>;
  /** ADMIN; newest first */
  users: UserConnection;
};


export type QueryCrawlRunArgs = {
  id: Scalars['ID']['input'];
};


export type QueryCrawlRunsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
};


export type QueryExternalOffersArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  dataSourceId?: InputMaybe<Scalars['ID']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  productType?: InputMaybe<ProductType>;
};


export type QueryListingArgs = {
  id: Scalars['ID']['input'];
};


export type QueryListingsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  filter?: InputMaybe<ListingFilter>;
  first?: InputMaybe<Scalars['Int']['input']>;
  sort?: InputMaybe<ListingSort>;
};


export type QueryUserArgs = {
  id: Scalars['ID']['input'];
};


export type QueryUsersArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
};

/** A user may hold several; ADMIN can do what the others can */
export type Role =
  | 'ADMIN'
  | 'BUYER'
  | 'SELLER';

export type ServiceHealth = {
  __typename?: 'ServiceHealth';
  latencyMs?: Maybe<Scalars['Int']['output']>;
  name: Scalars['String']['output'];
  status: SourceHealth;
};

/** Who benefits from a sale; score follows the documented formula, in [0, 1] */
export type SocialImpact = {
  __typename?: 'SocialImpact';
  /** B-BBEE level 1..8 (1 is best) */
  beeLevel?: Maybe<Scalars['Int']['output']>;
  communityOwned: Scalars['Boolean']['output'];
  score: Scalars['Float']['output'];
  smallScaleFarmer: Scalars['Boolean']['output'];
  womenOwned: Scalars['Boolean']['output'];
  youthOwned: Scalars['Boolean']['output'];
};

/** One source's part of a crawl run */
export type SourceCrawlResult = {
  __typename?: 'SourceCrawlResult';
  dataSource: DataSource;
  durationMs: Scalars['Int']['output'];
  /** Why the source failed, or a note on an incomplete crawl */
  error?: Maybe<Scalars['String']['output']>;
  /** Records read from the source */
  fetched: Scalars['Int']['output'];
  /** False while the source is still being crawled */
  finished: Scalars['Boolean']['output'];
  /** Records stored earlier that this crawl no longer found */
  gone: Scalars['Int']['output'];
  /** Records normalised and stored */
  normalized: Scalars['Int']['output'];
  pages: Scalars['Int']['output'];
  /** Records refused by normalisation (see rejections) */
  rejected: Scalars['Int']['output'];
  /** The records normalisation refused, in the order they were read */
  rejections: CrawlRejectionConnection;
  /** Requests retried after a transient failure */
  retries: Scalars['Int']['output'];
};


/** One source's part of a crawl run */
export type SourceCrawlResultRejectionsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
};

export type SourceHealth =
  | 'DEGRADED'
  | 'DOWN'
  | 'HEALTHY'
  | 'UNKNOWN';

export type SystemHealth = {
  __typename?: 'SystemHealth';
  checkedAt: Scalars['DateTime']['output'];
  services: Array<ServiceHealth>;
  status: SourceHealth;
};

/** A person using the marketplace: buyer, seller or administrator */
export type User = {
  __typename?: 'User';
  createdAt: Scalars['DateTime']['output'];
  displayName: Scalars['String']['output'];
  /** Visible to the user themself and to ADMIN only */
  email: Scalars['String']['output'];
  id: Scalars['ID']['output'];
  /** The user's listings, newest first; others see ACTIVE ones only */
  listings: ListingConnection;
  province?: Maybe<Province>;
  roles: Array<Role>;
};


/** A person using the marketplace: buyer, seller or administrator */
export type UserListingsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  status?: InputMaybe<ListingStatus>;
};

export type UserConnection = {
  __typename?: 'UserConnection';
  edges: Array<UserEdge>;
  pageInfo: PageInfo;
  totalCount: Scalars['Int']['output'];
};

export type UserEdge = {
  __typename?: 'UserEdge';
  cursor: Scalars['String']['output'];
  node: User;
};

/** Ordered: FULL includes ADVANCED includes BASIC */
export type AccessLevel =
  | 'ADVANCED'
  | 'BASIC'
  | 'FULL';

export type DataSourceKind =
  | 'EXCHANGE'
  | 'REGULATORY_REGISTRY'
  | 'SUPPLIER_NETWORK';

/** Every field narrows the result; all are optional */
export type ListingFilter = {
  /** Decimal string, ZAR per kg */
  maxPricePerKg?: string | null | undefined;
  minAvailableKg?: number | null | undefined;
  /** Decimal string, ZAR per kg */
  minPricePerKg?: string | null | undefined;
  productType?: ProductType | null | undefined;
  province?: Province | null | undefined;
  sellerId?: string | number | null | undefined;
  /** Only listings with a social impact score above zero */
  socialImpactOnly?: boolean | null | undefined;
  /** Other statuses than ACTIVE: the seller or ADMIN only */
  status?: ListingStatus | null | undefined;
};

export type ListingSort =
  | 'NEWEST'
  | 'PRICE_ASC'
  | 'PRICE_DESC'
  | 'SOCIAL_IMPACT';

export type ListingStatus =
  | 'ACTIVE'
  | 'ARCHIVED'
  | 'DRAFT'
  | 'PAUSED'
  | 'SOLD_OUT';

export type ProductType =
  | 'CANNABIS_EXTRACT'
  | 'CANNABIS_FLOWER'
  | 'CBD_ISOLATE'
  | 'CBD_OIL'
  | 'HEMP_FIBRE'
  | 'HEMP_OIL'
  | 'HEMP_SEED'
  | 'SEEDLINGS';

/** South African provinces */
export type Province =
  | 'EASTERN_CAPE'
  | 'FREE_STATE'
  | 'GAUTENG'
  | 'KWAZULU_NATAL'
  | 'LIMPOPO'
  | 'MPUMALANGA'
  | 'NORTHERN_CAPE'
  | 'NORTH_WEST'
  | 'WESTERN_CAPE';

/** A user may hold several; ADMIN can do what the others can */
export type Role =
  | 'ADMIN'
  | 'BUYER'
  | 'SELLER';

export type SourceHealth =
  | 'DEGRADED'
  | 'DOWN'
  | 'HEALTHY'
  | 'UNKNOWN';

export type CatalogueQueryVariables = Exact<{
  filter?: ListingFilter | null | undefined;
  sort?: ListingSort | null | undefined;
  first?: number | null | undefined;
  after?: string | null | undefined;
}>;


export type CatalogueQuery = { listings: { totalCount: number, edges: Array<{ cursor: string, node: { id: string, title: string, productType: ProductType, province: Province, availableKg: number, pricePerKg: { amount: string, currency: string }, socialImpact: { score: number }, seller: { id: string, displayName: string } } }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } };

export type MeQueryVariables = Exact<{ [key: string]: never; }>;


export type MeQuery = { me: { id: string, displayName: string, email: string, roles: Array<Role>, province: Province | null, createdAt: string } | null };

export type SystemStatusQueryVariables = Exact<{ [key: string]: never; }>;


export type SystemStatusQuery = { systemHealth: { status: SourceHealth, checkedAt: string, services: Array<{ name: string, status: SourceHealth, latencyMs: number | null }> }, dataSources: Array<{ id: string, slug: string, name: string, kind: DataSourceKind, requiredAccessLevel: AccessLevel, health: SourceHealth }> };


export const CatalogueDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"Catalogue"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"filter"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"ListingFilter"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"sort"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"ListingSort"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"listings"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"filter"},"value":{"kind":"Variable","name":{"kind":"Name","value":"filter"}}},{"kind":"Argument","name":{"kind":"Name","value":"sort"},"value":{"kind":"Variable","name":{"kind":"Name","value":"sort"}}},{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"totalCount"}},{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"cursor"}},{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"title"}},{"kind":"Field","name":{"kind":"Name","value":"productType"}},{"kind":"Field","name":{"kind":"Name","value":"province"}},{"kind":"Field","name":{"kind":"Name","value":"availableKg"}},{"kind":"Field","name":{"kind":"Name","value":"pricePerKg"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"amount"}},{"kind":"Field","name":{"kind":"Name","value":"currency"}}]}},{"kind":"Field","name":{"kind":"Name","value":"socialImpact"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"score"}}]}},{"kind":"Field","name":{"kind":"Name","value":"seller"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"displayName"}}]}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}}]}}]}}]} as unknown as DocumentNode<CatalogueQuery, CatalogueQueryVariables>;
export const MeDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"Me"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"me"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"displayName"}},{"kind":"Field","name":{"kind":"Name","value":"email"}},{"kind":"Field","name":{"kind":"Name","value":"roles"}},{"kind":"Field","name":{"kind":"Name","value":"province"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}}]}}]}}]} as unknown as DocumentNode<MeQuery, MeQueryVariables>;
export const SystemStatusDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"SystemStatus"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"systemHealth"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"checkedAt"}},{"kind":"Field","name":{"kind":"Name","value":"services"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"latencyMs"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"dataSources"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"slug"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"requiredAccessLevel"}},{"kind":"Field","name":{"kind":"Name","value":"health"}}]}}]}}]} as unknown as DocumentNode<SystemStatusQuery, SystemStatusQueryVariables>;