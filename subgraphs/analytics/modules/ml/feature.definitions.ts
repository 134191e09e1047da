/** What kind of value a feature holds: a number, 0/1, or a category name. Null always means "unknown here". */
export type FeatureKind = 'numeric' | 'binary' | 'categorical';

export interface FeatureDefinitionSpec {
  name: string;
  description: string;
  kind: FeatureKind;
}

/**
 * The features exported per (buyer pseudonym, listing) for matching optimisation. Listing features
 * come from analytics' listing read model (its current state), buyer features from the buyer's own
 * interactions strictly before the pair's first interaction (no leakage from the label), and the
 * buyer's intent from their latest search or match request up to that moment.
 */
export const FEATURE_DEFINITIONS: readonly FeatureDefinitionSpec[] = [
  { name: 'price_per_kg', kind: 'numeric', description: 'The listing price in ZAR per kg' },
  {
    name: 'price_delta_to_market_median',
    kind: 'numeric',
    description: '(price − median price per kg of ACTIVE listings of the same product type) / that median',
  },
  {
    name: 'price_headroom_vs_buyer_max',
    kind: 'numeric',
    description:
      "(buyer's max price − listing price) / buyer's max price, from the buyer's latest criteria; null without a max",
  },
  {
    name: 'distance_km',
    kind: 'numeric',
    description:
      "Great-circle distance between the centroids of the buyer's requested province and the listing's province",
  },
  { name: 'same_province', kind: 'binary', description: '1 when the listing is in the province the buyer asked for' },
  {
    name: 'product_type_match',
    kind: 'binary',
    description: "1 when the listing's product type is the one the buyer last asked for",
  },
  { name: 'product_type', kind: 'categorical', description: "The listing's product type" },
  {
    name: 'quantity_coverage',
    kind: 'numeric',
    description: "available kg / the buyer's requested minimum kg, capped at 1; null without a requested quantity",
  },
  { name: 'available_kg', kind: 'numeric', description: 'Quantity still available on the listing' },
  { name: 'social_impact_score', kind: 'numeric', description: "The listing's social-impact score in [0,1]" },
  {
    name: 'social_impact_match',
    kind: 'binary',
    description: 'When the buyer asked for social-impact listings only: 1 when the listing has social impact',
  },
  { name: 'certification_count', kind: 'numeric', description: 'Certifications the listing carries' },
  { name: 'listing_age_days', kind: 'numeric', description: 'Days between the listing’s creation and the interaction' },
  {
    name: 'seller_listing_count',
    kind: 'numeric',
    description: 'Listings the seller has in the read model (seller history)',
  },
  {
    name: 'seller_order_count',
    kind: 'numeric',
    description: "Orders placed on the seller's listings before the interaction",
  },
  {
    name: 'seller_cancellation_rate',
    kind: 'numeric',
    description: 'Share of those orders later cancelled; null when the seller had none',
  },
  { name: 'buyer_prior_searches', kind: 'numeric', description: 'Searches by the buyer before the interaction' },
  {
    name: 'buyer_prior_match_requests',
    kind: 'numeric',
    description: 'Match requests by the buyer before the interaction',
  },
  { name: 'buyer_prior_views', kind: 'numeric', description: 'Listing views by the buyer before the interaction' },
  { name: 'buyer_prior_orders', kind: 'numeric', description: 'Orders by the buyer before the interaction' },
  { name: 'hour_of_day', kind: 'numeric', description: 'Hour (0–23, UTC) of the first interaction with the listing' },
  {
    name: 'day_of_week',
    kind: 'numeric',
    description: 'ISO day of week (1 = Monday … 7 = Sunday, UTC) of the first interaction',
  },
];
