import { Arg, Ctx, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import { Role } from '#platform/infra/schema/shared-types';
import type { SubgraphDeps } from '#platform/infra/service/subgraph';
import { decodeCursor, encodeCursor, pageSize, toConnection } from '#platform/infra/schema/connection';
import { isUuid } from '#platform/infra/schema/ids';
import { requireViewer } from '#platform/infra/auth/viewer';
import { UnauthenticatedError } from '#platform/infra/errors';
import type { IdentityContext } from '../../context.type';
import { UserEntity } from './user.entity';
import { setUserRoles } from './user.service';
import { User, UserConnection } from './user.type';

@Resolver(() => User)
export class UserResolver {
  constructor(private readonly deps: SubgraphDeps) {}

  @Query(() => User, { nullable: true, description: 'The signed-in user; null when anonymous' })
  async me(@Ctx() ctx: IdentityContext): Promise<UserEntity | null> {
    if (!ctx.viewer) return null;
    const user = await ctx.loaders.userById.load(ctx.viewer.userId);
    // An erased or disabled account's access token may not have expired yet: it is refused here.
    if (!user || user.erasedAt || user.erasureRequestedAt || user.disabledAt) throw new UnauthenticatedError();
    return user;
  }

  @Query(() => User, { nullable: true, description: 'ADMIN' })
  async user(@Arg('id', () => ID) id: string, @Ctx() ctx: IdentityContext): Promise<UserEntity | null> {
    return isUuid(id) ? ctx.loaders.userById.load(id) : null;
  }

  @Query(() => UserConnection, { description: 'ADMIN; newest first' })
  async users(
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
  ) {
    const limit = pageSize(first);
    const cursor = decodeCursor(after, ['timestamp', 'uuid'] as const);
    const repo = this.deps.db.dataSource.getRepository(UserEntity);
    const query = repo
      .createQueryBuilder('u')
      .orderBy('u.created_at', 'DESC')
      .addOrderBy('u.id', 'DESC')
      .limit(limit + 1);
    if (cursor) {
      query.where('(u.created_at, u.id) < (:createdAt::timestamptz, :id::uuid)', {
        createdAt: cursor[0],
        id: cursor[1],
      });
    }
    const [rows, totalCount] = await Promise.all([query.getMany(), repo.count()]);
    return toConnection(rows, limit, totalCount, (u) => encodeCursor([u.createdAt.toISOString(), u.id]));
  }

  @Mutation(() => User, { description: 'ADMIN' })
  setUserRoles(
    @Arg('userId', () => ID) userId: string,
    @Arg('roles', () => [Role]) roles: Role[],
    @Ctx() ctx: IdentityContext,
  ): Promise<UserEntity> {
    // The shield rule guarantees an ADMIN viewer.
    return setUserRoles(this.deps, requireViewer(ctx), userId, roles);
  }
}
