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

/** The weights a match request was ranked with, normalised to sum to 1 */
export type AppliedMatchWeights = {
  __typename?: 'AppliedMatchWeights';
  distance: Scalars['Float']['output'];
  price: Scalars['Float']['output'];
  quality: Scalars['Float']['output'];
  quantity: Scalars['Float']['output'];
  socialImpact: Scalars['Float']['output'];
};

/** A security-relevant action, in an append-only hash chain */
export type AuditEvent = {
  __typename?: 'AuditEvent';
  action: Scalars['String']['output'];
  actorId?: Maybe<Scalars['ID']['output']>;
  at: Scalars['DateTime']['output'];
  details?: Maybe<Scalars['JSON']['output']>;
  /** sha256(previousHash + canonical JSON of the row), hex */
  hash: Scalars['String']['output'];
  id: Scalars['ID']['output'];
  previousHash: Scalars['String']['output'];
  sequence: Scalars['Int']['output'];
  subjectId?: Maybe<Scalars['ID']['output']>;
};

export type AuditEventConnection = {
  __typename?: 'AuditEventConnection';
  edges: Array<AuditEventEdge>;
  pageInfo: PageInfo;
  totalCount: Scalars['Int']['output'];
};

export type AuditEventEdge = {
  __typename?: 'AuditEventEdge';
  cursor: Scalars['String']['output'];
  node: AuditEvent;
};

export type AuditVerification = {
  __typename?: 'AuditVerification';
  /** Rows verified before the first break (all of them when valid) */
  checked: Scalars['Int']['output'];
  firstBrokenSequence?: Maybe<Scalars['Int']['output']>;
  valid: Scalars['Boolean']['output'];
};

export type AuthPayload = {
  __typename?: 'AuthPayload';
  /** JWT for `Authorization: Bearer`; short-lived */
  accessToken: Scalars['String']['output'];
  /** When the access token expires */
  expiresAt: Scalars['DateTime']['output'];
  /** Opaque; exchange it with refreshToken. Each use returns a new one and retires this one */
  refreshToken: Scalars['String']['output'];
  user: User;
};

/** The outcome of calling a source with the caller's stored credential */
export type ConnectionTestResult = {
  __typename?: 'ConnectionTestResult';
  latencyMs: Scalars['Int']['output'];
  message: Scalars['String']['output'];
  ok: Scalars['Boolean']['output'];
};

/** A user's consent (POPIA) for the marketplace to use one external data source on their behalf */
export type Consent = {
  __typename?: 'Consent';
  accessLevel: AccessLevel;
  /** Version of the consent text the user agreed to */
  consentVersion: Scalars['String']['output'];
  dataSource: DataSource;
  expiresAt?: Maybe<Scalars['DateTime']['output']>;
  grantedAt: Scalars['DateTime']['output'];
  id: Scalars['ID']['output'];
  /** The client address the gateway saw when consent was given */
  ipAddress?: Maybe<Scalars['String']['output']>;
  purpose: Scalars['String']['output'];
  status: ConsentStatus;
  user: User;
  userAgent?: Maybe<Scalars['String']['output']>;
  withdrawnAt?: Maybe<Scalars['DateTime']['output']>;
};

/** EXPIRED once expiresAt has passed, whatever was stored */
export type ConsentStatus =
  | 'ACTIVE'
  | 'EXPIRED'
  | 'WITHDRAWN';

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

export type CreateListingInput = {
  /** At most 10, each 1 to 60 characters; duplicates are dropped */
  certifications: Array<Scalars['String']['input']>;
  /** At most 5000 characters */
  description?: InputMaybe<Scalars['String']['input']>;
  /** Decimal string, ZAR per kg: at least "0.01", at most two decimal places */
  pricePerKg: Scalars['String']['input'];
  productType: ProductType;
  province: Province;
  /** Above zero, at most 1,000,000 kg, at most three decimal places */
  quantityKg: Scalars['Float']['input'];
  socialImpact: SocialImpactInput;
  /** DRAFT or ACTIVE (the default) */
  status?: InputMaybe<ListingStatus>;
  /** 3 to 120 characters */
  title: Scalars['String']['input'];
};

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

export type FeatureDefinition = {
  __typename?: 'FeatureDefinition';
  description: Scalars['String']['output'];
  /** numeric, binary (0/1) or categorical (a name); a null value means unknown for that row */
  kind: Scalars['String']['output'];
  name: Scalars['String']['output'];
};

/** One training row: a buyer pseudonym and a listing they interacted with, its features and whether they ordered it */
export type FeatureVector = {
  __typename?: 'FeatureVector';
  /** Feature name → value, for every FeatureDefinition in mlStatus.features */
  features: Scalars['JSON']['output'];
  /** True when the buyer ordered the listing (the training label) */
  label: Scalars['Boolean']['output'];
  listingId: Scalars['ID']['output'];
  /** The first interaction of this buyer with this listing */
  occurredAt: Scalars['DateTime']['output'];
  /** HMAC of the user id (never the id itself) */
  userKey: Scalars['String']['output'];
};

export type FeatureVectorConnection = {
  __typename?: 'FeatureVectorConnection';
  edges: Array<FeatureVectorEdge>;
  pageInfo: PageInfo;
  totalCount: Scalars['Int']['output'];
};

export type FeatureVectorEdge = {
  __typename?: 'FeatureVectorEdge';
  cursor: Scalars['String']['output'];
  node: FeatureVector;
};

/** Interactions along the path from search to order, in the requested range */
export type Funnel = {
  __typename?: 'Funnel';
  /** orders / searches in the range, in [0, ∞) (an order may follow an earlier search); 0 when there were no searches */
  conversionRate: Scalars['Float']['output'];
  listingViews: Scalars['Int']['output'];
  matchRequests: Scalars['Int']['output'];
  orders: Scalars['Int']['output'];
  searches: Scalars['Int']['output'];
};

export type GrantConsentInput = {
  accessLevel: AccessLevel;
  /** Version of the consent text shown, e.g. "2024-11-01" or "v3" */
  consentVersion: Scalars['String']['input'];
  /** A DataSource id (external-sources) */
  dataSourceId: Scalars['ID']['input'];
  /** When the consent lapses; must be in the future */
  expiresAt?: InputMaybe<Scalars['DateTime']['input']>;
  /** Why the data is used, as shown to the user; 3 to 500 characters */
  purpose: Scalars['String']['input'];
};

/** Width of a time-series bucket; buckets start on whole UTC hours/days */
export type Granularity =
  | 'DAY'
  | 'HOUR';

/** Aggregates over interactions with from ≤ occurredAt < to */
export type InteractionAnalytics = {
  __typename?: 'InteractionAnalytics';
  funnel: Funnel;
  /** One point per bucket and interaction type, oldest first; empty buckets as 0 */
  series: Array<SeriesPoint>;
  /** Share in [0,1] of the orders in the range placed on listings with social impact (score > 0 in the listing read model); 0 when no orders */
  socialImpactOrderShare: Scalars['Float']['output'];
  /** Product types searches and match requests asked for, most asked first (at most 8) */
  topSearchedProductTypes: Array<ProductTypeCount>;
  /** Every interaction type, 0 when none */
  totals: Array<InteractionCount>;
};

export type InteractionCount = {
  __typename?: 'InteractionCount';
  count: Scalars['Int']['output'];
  type: InteractionType;
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
  /** Words to find in the title or description (full-text, English stemming); at most 200 characters */
  text?: InputMaybe<Scalars['String']['input']>;
};

export type ListingSort =
  | 'NEWEST'
  | 'PRICE_ASC'
  | 'PRICE_DESC'
  | 'SOCIAL_IMPACT';

/** Transitions: DRAFT → ACTIVE | ARCHIVED; ACTIVE → PAUSED | ARCHIVED; PAUSED → ACTIVE | ARCHIVED; SOLD_OUT → ACTIVE | PAUSED | ARCHIVED; ARCHIVED is final. SOLD_OUT is set by the system when the last kilogram is ordered and lifted when stock returns; ACTIVE needs stock. */
export type ListingStatus =
  | 'ACTIVE'
  | 'ARCHIVED'
  | 'DRAFT'
  | 'PAUSED'
  | 'SOLD_OUT';

/** A client-side interaction, stored under the caller’s pseudonym */
export type LogInteractionInput = {
  /** Chosen by the client (e.g. a UUID per interaction): a retry with the same key is recorded once */
  idempotencyKey?: InputMaybe<Scalars['String']['input']>;
  listingId?: InputMaybe<Scalars['ID']['input']>;
  /** At most 4 KB of JSON */
  metadata?: InputMaybe<Scalars['JSON']['input']>;
  sessionId?: InputMaybe<Scalars['String']['input']>;
  type: InteractionType;
};

/** One ranked candidate: exactly one of listing and externalOffer is set */
export type Match = {
  __typename?: 'Match';
  breakdown: ScoreBreakdown;
  explanation: Scalars['String']['output'];
  externalOffer?: Maybe<ExternalOffer>;
  /** Set for INTERNAL matches: the listing as it is now */
  listing?: Maybe<Listing>;
  /** Weighted sum of the breakdown, in [0, 1] */
  score: Scalars['Float']['output'];
  source: MatchSource;
};

export type MatchInput = {
  includeExternal?: InputMaybe<Scalars['Boolean']['input']>;
  /** Decimal string; listings above it are not matched, and price is scored against it */
  maxPricePerKg?: InputMaybe<Scalars['String']['input']>;
  productType: ProductType;
  /** Where the buyer is; without it distance scores 0.5 everywhere */
  province?: InputMaybe<Province>;
  /** Above zero, at most 1,000,000 kg */
  quantityKg: Scalars['Float']['input'];
  weights?: InputMaybe<MatchWeights>;
};

/** A buyer's request for matching supply, with its ranked matches. Visible to the buyer and ADMIN */
export type MatchRequest = {
  __typename?: 'MatchRequest';
  buyer: User;
  createdAt: Scalars['DateTime']['output'];
  id: Scalars['ID']['output'];
  /** Stored as asked; external offers are not matched yet, so every match is INTERNAL */
  includeExternal: Scalars['Boolean']['output'];
  /** Ranked, best first */
  matches: Array<Match>;
  maxPricePerKg?: Maybe<Scalars['String']['output']>;
  productType: ProductType;
  province?: Maybe<Province>;
  quantityKg: Scalars['Float']['output'];
  /** What the price component compared against: maxPricePerKg, else the market median */
  referencePricePerKg?: Maybe<Money>;
  weights: AppliedMatchWeights;
};

/** INTERNAL: a listing here; EXTERNAL: an offer from a consented data source */
export type MatchSource =
  | 'EXTERNAL'
  | 'INTERNAL';

/** Replace default weights one by one (0 to 1000 each, not all zero); they are normalised to sum to 1 */
export type MatchWeights = {
  /** Default 0.15 */
  distance?: InputMaybe<Scalars['Float']['input']>;
  /** Default 0.35 */
  price?: InputMaybe<Scalars['Float']['input']>;
  /** Default 0.15 */
  quality?: InputMaybe<Scalars['Float']['input']>;
  /** Default 0.20 */
  quantity?: InputMaybe<Scalars['Float']['input']>;
  /** Default 0.15 */
  socialImpact?: InputMaybe<Scalars['Float']['input']>;
};

export type MlStatus = {
  __typename?: 'MlStatus';
  features: Array<FeatureDefinition>;
  /** Interactions currently in the log (after retention and erasure) */
  interactionsCollected: Scalars['Int']['output'];
  /** COLD_START: no interactions yet; COLLECTING: fewer than trainingThreshold; READY_FOR_TRAINING: enough interactions to export featureVectors and train a matching model */
  phase: Scalars['String']['output'];
  /** interactionsCollected ≥ trainingThreshold */
  ready: Scalars['Boolean']['output'];
  trainingThreshold: Scalars['Int']['output'];
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
  /** Its buyer, the seller, or ADMIN. Gives the quantity back to the listing */
  cancelOrder: Order;
  /** SELLER. Starts ACTIVE unless input.status is DRAFT */
  createListing: Listing;
  /** ADMIN; the API key is in this response only */
  createPartnerClient: PartnerClientWithKey;
  /** Deletes the caller's stored credential for a source; false when there was none */
  deleteDataSourceCredential: Scalars['Boolean']['output'];
  grantConsent: Consent;
  /** Records a client-side interaction for the signed-in user */
  logInteraction: Scalars['Boolean']['output'];
  login: AuthPayload;
  /** Revokes the session the refresh token belongs to */
  logout: Scalars['Boolean']['output'];
  /** BUYER. Reserves the quantity atomically; never oversells. Same idempotencyKey → same order */
  placeOrder: Order;
  /** Rotates: the token given stops working; replaying it revokes the session */
  refreshToken: AuthPayload;
  /** Creates a BUYER and/or SELLER account and signs it in */
  register: AuthPayload;
  /** BUYER. Ranks ACTIVE listings with stock: score = weighted sum of price, distance, quantity, quality and social impact components in [0, 1] */
  requestMatches: MatchRequest;
  /** ADMIN; the key stops working within seconds (gateway cache ≤ 5 s) */
  revokePartnerClient: PartnerClient;
  /** Its seller or ADMIN; allowed transitions are documented with ListingStatus */
  setListingStatus: Listing;
  /** ADMIN */
  setUserRoles: User;
  /** Keeps the caller's credential for a source, encrypted; it is never returned. Needs sign-in only: it is used solely by testDataSourceConnection, which needs an ACTIVE consent */
  storeDataSourceCredential: Scalars['Boolean']['output'];
  /** Calls the source with the caller's stored credential; needs an ACTIVE consent at the source's required level */
  testDataSourceConnection: ConnectionTestResult;
  /** ADMIN. Starts a crawl of the given sources (all when omitted) and returns it RUNNING; poll crawlRun for the outcome */
  triggerCrawl: CrawlRun;
  /** Its seller or ADMIN */
  updateListing: Listing;
  /** Withdraws the ACTIVE consent for the source; it counts from the very next request */
  withdrawConsent: Consent;
};


export type MutationCancelOrderArgs = {
  id: Scalars['ID']['input'];
};


export type MutationCreateListingArgs = {
  input: CreateListingInput;
};


export type MutationCreatePartnerClientArgs = {
  name: Scalars['String']['input'];
  tier: PartnerTier;
};


export type MutationDeleteDataSourceCredentialArgs = {
  dataSourceId: Scalars['ID']['input'];
};


export type MutationGrantConsentArgs = {
  input: GrantConsentInput;
};


export type MutationLogInteractionArgs = {
  input: LogInteractionInput;
};


export type MutationLoginArgs = {
  email: Scalars['String']['input'];
  password: Scalars['String']['input'];
};


export type MutationLogoutArgs = {
  refreshToken: Scalars['String']['input'];
};


export type MutationPlaceOrderArgs = {
  idempotencyKey: Scalars['String']['input'];
  listingId: Scalars['ID']['input'];
  quantityKg: Scalars['Float']['input'];
};


export type MutationRefreshTokenArgs = {
  refreshToken: Scalars['String']['input'];
};


export type MutationRegisterArgs = {
  input: RegisterInput;
};


export type MutationRequestMatchesArgs = {
  input: MatchInput;
};


export type MutationRevokePartnerClientArgs = {
  id: Scalars['ID']['input'];
};


export type MutationSetListingStatusArgs = {
  id: Scalars['ID']['input'];
  status: ListingStatus;
};


export type MutationSetUserRolesArgs = {
  roles: Array<Role>;
  userId: Scalars['ID']['input'];
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


export type MutationUpdateListingArgs = {
  id: Scalars['ID']['input'];
  input: UpdateListingInput;
};


export type MutationWithdrawConsentArgs = {
  dataSourceId: Scalars['ID']['input'];
};

/** One operation name as the gateway measured it (request start to response) */
export type OperationStats = {
  __typename?: 'OperationStats';
  count: Scalars['Int']['output'];
  /** Share in [0,1] of responses that carried errors */
  errorRate: Scalars['Float']['output'];
  /** The operation name; "anonymous" for unnamed ones, "other" for names beyond the 200 tracked */
  operationName: Scalars['String']['output'];
  /** Percentiles over the most recent 1024 requests of this operation */
  p50Ms: Scalars['Float']['output'];
  p95Ms: Scalars['Float']['output'];
  p99Ms: Scalars['Float']['output'];
};

/** A buyer taking a quantity from a listing. Visible to its buyer, the seller and ADMIN */
export type Order = {
  __typename?: 'Order';
  buyer: User;
  cancelledAt?: Maybe<Scalars['DateTime']['output']>;
  createdAt: Scalars['DateTime']['output'];
  id: Scalars['ID']['output'];
  /** The listing ordered from, whatever its status now */
  listing: Listing;
  /** Price per kg when the order was placed */
  pricePerKg: Money;
  quantityKg: Scalars['Float']['output'];
  status: OrderStatus;
  /** quantityKg × pricePerKg, exact, rounded half away from zero to cents */
  total: Money;
};

export type OrderConnection = {
  __typename?: 'OrderConnection';
  edges: Array<OrderEdge>;
  pageInfo: PageInfo;
  totalCount: Scalars['Int']['output'];
};

export type OrderEdge = {
  __typename?: 'OrderEdge';
  cursor: Scalars['String']['output'];
  node: Order;
};

export type OrderStatus =
  | 'CANCELLED'
  | 'CONFIRMED'
  | 'PENDING';

export type PageInfo = {
  __typename?: 'PageInfo';
  endCursor?: Maybe<Scalars['String']['output']>;
  hasNextPage: Scalars['Boolean']['output'];
};

/** An external partner calling persisted operations with an API key */
export type PartnerClient = {
  __typename?: 'PartnerClient';
  createdAt: Scalars['DateTime']['output'];
  id: Scalars['ID']['output'];
  name: Scalars['String']['output'];
  revokedAt?: Maybe<Scalars['DateTime']['output']>;
  tier: PartnerTier;
};

export type PartnerClientWithKey = {
  __typename?: 'PartnerClientWithKey';
  /** Shown once: only its sha256 is stored */
  apiKey: Scalars['String']['output'];
  client: PartnerClient;
};

export type PartnerTier =
  | 'FREE'
  | 'PREMIUM'
  | 'STANDARD';

export type PerformanceReport = {
  __typename?: 'PerformanceReport';
  /** Most frequent first */
  operations: Array<OperationStats>;
  /** When the gateway began counting (its start) */
  since: Scalars['DateTime']['output'];
};

/** Price per kg over ACTIVE listings and current external offers (seen in their source’s latest crawl, fetched in the last 30 days). With no data the amounts are "0.00" and sampleSize is 0 (never NOT_FOUND): check sampleSize before using the amounts. */
export type PricePoint = {
  __typename?: 'PricePoint';
  /** Median (continuous percentile) price per kg */
  medianPricePerKg: Money;
  /** 25th percentile price per kg */
  p25: Money;
  /** 75th percentile price per kg */
  p75: Money;
  productType: ProductType;
  /** The province asked for; null: the whole country */
  province?: Maybe<Province>;
  /** Listings plus external offers the percentiles are computed over */
  sampleSize: Scalars['Int']['output'];
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

export type ProductTypeCount = {
  __typename?: 'ProductTypeCount';
  count: Scalars['Int']['output'];
  productType: ProductType;
};

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
  /** ADMIN; newest first */
  auditLog: AuditEventConnection;
  /** ADMIN */
  crawlRun?: Maybe<CrawlRun>;
  /** ADMIN. Newest first */
  crawlRuns: CrawlRunConnection;
  /** Public: the catalogue of external sources */
  dataSources: Array<DataSource>;
  /** Signed-in user. "control" or "treatment", stable per (user, experiment) across calls and restarts */
  experimentVariant: Scalars['String']['output'];
  /** Offers from the sources where the caller holds an ACTIVE consent at or above the source's requiredAccessLevel, as of this request */
  externalOffers: ExternalOfferConnection;
  /** ADMIN. Pseudonymous training rows, one per (buyer, listing) interacted with, ordered by (userKey, listingId); first is capped at 100 */
  featureVectors: FeatureVectorConnection;
  /** ADMIN. Interactions with from ≤ occurredAt < to; at most 366 days, an HOUR series at most 93 days (BAD_USER_INPUT beyond) */
  interactionAnalytics: InteractionAnalytics;
  /** Public when ACTIVE; otherwise its seller or ADMIN */
  listing?: Maybe<Listing>;
  /** Public. Keyset-paginated; first is capped at 100 */
  listings: ListingConnection;
  /** Public (and partners). Price per kg percentiles; sampleSize 0 and amounts "0.00" when there is no data */
  marketPriceIndex: PricePoint;
  /** The buyer who asked, or ADMIN; null for anyone else */
  matchRequest?: Maybe<MatchRequest>;
  /** The signed-in user; null when anonymous */
  me?: Maybe<User>;
  /** ADMIN. How far the interaction log is from a trainable matching model */
  mlStatus: MlStatus;
  /** The caller's consents, newest first, history included */
  myConsents: Array<Consent>;
  /** Its buyer, the seller of the listing, or ADMIN; null for anyone else */
  order?: Maybe<Order>;
  /** ADMIN; newest first */
  partnerClients: Array<PartnerClient>;
  /** ADMIN. Per operation: count, error rate and latency percentiles as measured at the gateway */
  performanceMetrics: PerformanceReport;
  /** Public: every subgraph and the database, with latency */
  systemHealth: SystemHealth;
  /** ADMIN */
  user?: Maybe<User>;
  /** ADMIN; newest first */
  users: UserConnection;
  /** ADMIN; recomputes the whole hash chain */
  verifyAuditLog: AuditVerification;
};


export type QueryAuditLogArgs = {
  action?: InputMaybe<Scalars['String']['input']>;
  actorId?: InputMaybe<Scalars['ID']['input']>;
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
};


export type QueryCrawlRunArgs = {
  id: Scalars['ID']['input'];
};


export type QueryCrawlRunsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
};


export type QueryExperimentVariantArgs = {
  experiment: Scalars['String']['input'];
};


export type QueryExternalOffersArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  dataSourceId?: InputMaybe<Scalars['ID']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  productType?: InputMaybe<ProductType>;
};


export type QueryFeatureVectorsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
};


export type QueryInteractionAnalyticsArgs = {
  from: Scalars['DateTime']['input'];
  granularity?: InputMaybe<Granularity>;
  to: Scalars['DateTime']['input'];
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


export type QueryMarketPriceIndexArgs = {
  productType: ProductType;
  province?: InputMaybe<Province>;
};


export type QueryMatchRequestArgs = {
  id: Scalars['ID']['input'];
};


export type QueryOrderArgs = {
  id: Scalars['ID']['input'];
};


export type QueryUserArgs = {
  id: Scalars['ID']['input'];
};


export type QueryUsersArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
};

export type RegisterInput = {
  /** 2 to 80 characters */
  displayName: Scalars['String']['input'];
  email: Scalars['String']['input'];
  /** At least 10 characters, mixing at least two of: lower case, upper case, digits, symbols */
  password: Scalars['String']['input'];
  province?: InputMaybe<Province>;
  /** BUYER and/or SELLER; ADMIN is granted by an administrator */
  roles: Array<Role>;
};

/** A user may hold several; ADMIN can do what the others can */
export type Role =
  | 'ADMIN'
  | 'BUYER'
  | 'SELLER';

/** Each component of a match score, in [0, 1] (see the formula on requestMatches) */
export type ScoreBreakdown = {
  __typename?: 'ScoreBreakdown';
  distance: Scalars['Float']['output'];
  price: Scalars['Float']['output'];
  quality: Scalars['Float']['output'];
  quantity: Scalars['Float']['output'];
  socialImpact: Scalars['Float']['output'];
};

/** Interactions of one type in one bucket; a bucket without any is reported with count 0 */
export type SeriesPoint = {
  __typename?: 'SeriesPoint';
  /** Start of the bucket (UTC) */
  bucket: Scalars['DateTime']['output'];
  count: Scalars['Int']['output'];
  type: InteractionType;
};

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

export type SocialImpactInput = {
  /** B-BBEE level 1..8 when given */
  beeLevel?: InputMaybe<Scalars['Int']['input']>;
  communityOwned: Scalars['Boolean']['input'];
  smallScaleFarmer: Scalars['Boolean']['input'];
  womenOwned: Scalars['Boolean']['input'];
  youthOwned: Scalars['Boolean']['input'];
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

/** Fields left out keep their value */
export type UpdateListingInput = {
  certifications?: InputMaybe<Array<Scalars['String']['input']>>;
  /** Send an empty string to clear it */
  description?: InputMaybe<Scalars['String']['input']>;
  /** Applies to new orders; placed orders keep their price */
  pricePerKg?: InputMaybe<Scalars['String']['input']>;
  province?: InputMaybe<Province>;
  /** The new total; availableKg moves by the same amount and may not fall below zero (what is already ordered) */
  quantityKg?: InputMaybe<Scalars['Float']['input']>;
  socialImpact?: InputMaybe<SocialImpactInput>;
  title?: InputMaybe<Scalars['String']['input']>;
};

/** A person using the marketplace: buyer, seller or administrator */
export type User = {
  __typename?: 'User';
  /** The user themself and ADMIN only; newest first */
  consents: Array<Consent>;
  createdAt: Scalars['DateTime']['output'];
  displayName: Scalars['String']['output'];
  /** Visible to the user themself and to ADMIN only */
  email: Scalars['String']['output'];
  id: Scalars['ID']['output'];
  /** The user's listings, newest first; others see ACTIVE ones only */
  listings: ListingConnection;
  /** The user's orders as buyer, newest first. The user themself or ADMIN */
  orders: OrderConnection;
  province?: Maybe<Province>;
  roles: Array<Role>;
};


/** A person using the marketplace: buyer, seller or administrator */
export type UserConsentsArgs = {
  status?: InputMaybe<ConsentStatus>;
};


/** A person using the marketplace: buyer, seller or administrator */
export type UserListingsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  status?: InputMaybe<ListingStatus>;
};


/** A person using the marketplace: buyer, seller or administrator */
export type UserOrdersArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
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
  /** Words to find in the title or description (full-text, English stemming); at most 200 characters */
  text?: string | null | undefined;
};

export type ListingSort =
  | 'NEWEST'
  | 'PRICE_ASC'
  | 'PRICE_DESC'
  | 'SOCIAL_IMPACT';

/** Transitions: DRAFT → ACTIVE | ARCHIVED; ACTIVE → PAUSED | ARCHIVED; PAUSED → ACTIVE | ARCHIVED; SOLD_OUT → ACTIVE | PAUSED | ARCHIVED; ARCHIVED is final. SOLD_OUT is set by the system when the last kilogram is ordered and lifted when stock returns; ACTIVE needs stock. */
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