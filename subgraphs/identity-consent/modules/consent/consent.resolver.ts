import { Arg, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { requireViewer } from '#platform/infra/auth/viewer';
import type { SubgraphDeps } from '#platform/infra/service/subgraph';
import { NotFoundError } from '#platform/infra/errors';
import type { IdentityContext } from '../../context.type';
import { User } from '../user/user.type';
import type { UserEntity } from '../user/user.entity';
import { GrantConsentInput } from './consent.input';
import { grantConsent, withdrawConsent } from './consent.service';
import { Consent, ConsentStatus, toConsent } from './consent.type';

@Resolver(() => Consent)
export class ConsentResolver {
  constructor(private readonly deps: SubgraphDeps) {}

  @Query(() => [Consent], { description: "The caller's consents, newest first, history included" })
  async myConsents(@Ctx() ctx: IdentityContext): Promise<Consent[]> {
    const rows = await ctx.loaders.consentsByUser.load({ userId: requireViewer(ctx).userId, status: null });
    return rows.map((r) => toConsent(r));
  }

  @Mutation(() => Consent)
  async grantConsent(
    @Arg('input', () => GrantConsentInput) input: GrantConsentInput,
    @Ctx() ctx: IdentityContext,
  ): Promise<Consent> {
    return toConsent(
      await grantConsent(this.deps.db.dataSource, this.deps.outbox, requireViewer(ctx).userId, input, ctx.client),
    );
  }

  @Mutation(() => Consent, {
    description: 'Withdraws the ACTIVE consent for the source; it counts from the very next request',
  })
  async withdrawConsent(
    @Arg('dataSourceId', () => ID) dataSourceId: string,
    @Ctx() ctx: IdentityContext,
  ): Promise<Consent> {
    return toConsent(
      await withdrawConsent(this.deps.db.dataSource, this.deps.outbox, requireViewer(ctx).userId, dataSourceId),
    );
  }

  @FieldResolver(() => User)
  async user(@Root() consent: Consent, @Ctx() ctx: IdentityContext): Promise<UserEntity> {
    const user = await ctx.loaders.userById.load(consent.userId);
    if (!user) throw new NotFoundError('The user of this consent no longer exists');
    return user;
  }
}

@Resolver(() => User)
export class UserConsentsResolver {
  @FieldResolver(() => [Consent], { description: 'The user themself and ADMIN only; newest first' })
  async consents(
    @Root() user: User,
    @Ctx() ctx: IdentityContext,
    @Arg('status', () => ConsentStatus, { nullable: true }) status?: ConsentStatus | null,
  ): Promise<Consent[]> {
    const rows = await ctx.loaders.consentsByUser.load({ userId: user.id, status: status ?? null });
    return rows.map((r) => toConsent(r));
  }
}
