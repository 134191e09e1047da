import { Arg, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { isAdmin, requireViewer } from '#platform/infra/auth/viewer';
import { isUuid } from '#platform/infra/schema/ids';
import type { SubgraphDeps } from '#platform/infra/service/subgraph';
import type { ListingsContext } from '../../context.type';
import { consentClient } from '../external-offer/consents';
import { Listing, toListing } from '../listing/listing.type';
import { MatchInput } from './match.input';
import { requestMatches } from './match.service';
import { Match, MatchRequest, toMatch, toMatchRequest } from './match.type';

@Resolver(() => MatchRequest)
export class MatchRequestResolver {
  constructor(private readonly deps: SubgraphDeps) {}

  @Query(() => MatchRequest, { nullable: true, description: 'The buyer who asked, or ADMIN; null for anyone else' })
  async matchRequest(@Arg('id', () => ID) id: string, @Ctx() ctx: ListingsContext): Promise<MatchRequest | null> {
    const viewer = requireViewer(ctx);
    if (!isUuid(id)) return null;
    const row = await ctx.loaders.matchRequestById.load(id);
    if (!row || (row.buyerId !== viewer.userId && !isAdmin(viewer))) return null;
    return toMatchRequest(row);
  }

  @Mutation(() => MatchRequest, {
    description:
      'BUYER. Ranks ACTIVE listings with stock and, with includeExternal, the offers of sources the buyer holds an ACTIVE consent for ' +
      "at or above the source's requiredAccessLevel as of this request: score = weighted sum of price, distance, quantity, quality " +
      'and social impact components in [0, 1], the same formula for both (external offers: quality from certifications only, social impact 0)',
  })
  async requestMatches(
    @Arg('input', () => MatchInput) input: MatchInput,
    @Ctx() ctx: ListingsContext,
  ): Promise<MatchRequest> {
    const viewer = requireViewer(ctx);
    // Asked of identity-consent now, before the transaction: a withdrawal counts from the very next request.
    const consents = input.includeExternal
      ? await consentClient(this.deps).activeConsents(viewer.userId, ctx.requestId)
      : null;
    const { request, results, listings } = await requestMatches(
      this.deps.db.dataSource,
      this.deps.outbox,
      viewer,
      input,
      { results: this.deps.config.MATCH_RESULT_LIMIT, candidates: this.deps.config.MATCH_CANDIDATE_LIMIT },
      consents,
    );
    ctx.loaders.matchResults.prime(request.id, results);
    for (const listing of listings) ctx.loaders.listingById.prime(listing.id, listing);
    return toMatchRequest(request);
  }

  @FieldResolver(() => [Match], { description: 'Ranked, best first' })
  async matches(@Root() request: MatchRequest, @Ctx() ctx: ListingsContext): Promise<Match[]> {
    return (await ctx.loaders.matchResults.load(request.id)).map(toMatch);
  }
}

@Resolver(() => Match)
export class MatchResolver {
  @FieldResolver(() => Listing, { nullable: true, description: 'Set for INTERNAL matches: the listing as it is now' })
  async listing(@Root() match: Match, @Ctx() ctx: ListingsContext): Promise<Listing | null> {
    if (!match.listingId) return null;
    const row = await ctx.loaders.listingById.load(match.listingId);
    return row ? toListing(row) : null;
  }
}
