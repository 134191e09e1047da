import { Arg, Ctx, Mutation, Resolver } from 'type-graphql';
import type { SubgraphDeps } from '#platform/infra/service/subgraph';
import type { IdentityContext } from '../../context.type';
import { RegisterInput } from './auth.input';
import { AuthService } from './auth.service';
import { AuthPayload } from './auth.type';

@Resolver()
export class AuthResolver {
  private readonly auth: AuthService;

  constructor(deps: SubgraphDeps) {
    this.auth = new AuthService(deps);
  }

  @Mutation(() => AuthPayload, { description: 'Creates a BUYER and/or SELLER account and signs it in' })
  register(@Arg('input', () => RegisterInput) input: RegisterInput, @Ctx() ctx: IdentityContext): Promise<AuthPayload> {
    return this.auth.register(input, ctx.client);
  }

  @Mutation(() => AuthPayload)
  login(
    @Arg('email') email: string,
    @Arg('password') password: string,
    @Ctx() ctx: IdentityContext,
  ): Promise<AuthPayload> {
    return this.auth.login(email, password, ctx.client);
  }

  @Mutation(() => AuthPayload, {
    description: 'Rotates: the token given stops working; replaying it revokes the session',
  })
  refreshToken(@Arg('refreshToken') refreshToken: string, @Ctx() ctx: IdentityContext): Promise<AuthPayload> {
    return this.auth.refresh(refreshToken, ctx.client);
  }

  @Mutation(() => Boolean, { description: 'Revokes the session the refresh token belongs to' })
  logout(@Arg('refreshToken') refreshToken: string, @Ctx() ctx: IdentityContext): Promise<boolean> {
    return this.auth.logout(refreshToken, ctx.client);
  }
}
