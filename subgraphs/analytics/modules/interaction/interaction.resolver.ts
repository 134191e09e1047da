import { randomUUID } from 'node:crypto';
import { Arg, Ctx, Mutation, Resolver } from 'type-graphql';
import type { SubgraphDeps } from '#platform/infra/service/subgraph';
import { BadUserInputError } from '#platform/infra/errors';
import type { AnalyticsContext } from '../../context.type';
import { recordInteraction } from './interaction.store';
import { LogInteractionInput } from './interaction.input';
import { pseudonymise } from './pseudonym';

const MAX_METADATA_BYTES = 4096;

@Resolver()
export class InteractionResolver {
  constructor(private readonly deps: SubgraphDeps) {}

  @Mutation(() => Boolean, { description: 'Records a client-side interaction for the signed-in user' })
  async logInteraction(
    @Arg('input', () => LogInteractionInput) input: LogInteractionInput,
    @Ctx() ctx: AnalyticsContext,
  ): Promise<boolean> {
    if (input.metadata !== undefined && input.metadata !== null) {
      if (typeof input.metadata !== 'object' || Array.isArray(input.metadata))
        throw new BadUserInputError('metadata must be a JSON object', 'input.metadata');
      if (Buffer.byteLength(JSON.stringify(input.metadata)) > MAX_METADATA_BYTES) {
        throw new BadUserInputError(`metadata must be at most ${MAX_METADATA_BYTES} bytes`, 'input.metadata');
      }
    }
    const userKey = ctx.viewer ? pseudonymise(this.deps.config.PSEUDONYM_SECRET, ctx.viewer.userId) : null;
    await recordInteraction(this.deps.db.dataSource, {
      // Scoped to the caller, so one user's key can never swallow another's interaction.
      eventId: input.idempotencyKey
        ? `client:${userKey}:${input.idempotencyKey}`
        : `client:${ctx.requestId}:${randomUUID()}`,
      type: input.type,
      userKey,
      listingId: input.listingId ?? null,
      productType: null,
      sessionId: input.sessionId ?? null,
      metadata: input.metadata ?? null,
      occurredAt: new Date(),
    });
    return true;
  }
}
