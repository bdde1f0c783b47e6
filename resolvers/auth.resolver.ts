import { auditMutations } from '../src/server/audit-middleware';
import { Arg, Ctx, ID, Mutation, Query, Resolver, UseMiddleware } from 'type-graphql';
import type { ApiKeyRecord } from '../src/auth/key-store';
import { requireRole } from '../src/auth/principal';
import type { Principal } from '../src/auth/principal';
import { badInput } from '../src/model/app-error';
import { Role } from '../src/model/enums';
import type { GraphContext } from '../src/server/context';
import { ApiKeyType, PrincipalType } from '../schema/principal.type';

const TENANT = /^[a-zA-Z0-9_.-]{1,64}$/;

// Mutations are audited; the middleware sits on the resolvers that have them, not on every field.
@Resolver()
@UseMiddleware(auditMutations)
export class AuthResolver {
  @Query(() => PrincipalType)
  me(@Ctx() ctx: GraphContext): Principal {
    return ctx.principal;
  }

  @Query(() => [ApiKeyType], { description: 'API keys (ADMIN), without their secrets.' })
  apiKeys(@Ctx() ctx: GraphContext): Promise<ApiKeyRecord[]> {
    requireRole(ctx.principal, Role.ADMIN, 'listing API keys');
    return ctx.services.keys.list();
  }

  @Mutation(() => ApiKeyType)
  async createApiKey(
    @Arg('tenant', () => String) tenant: string,
    @Arg('role', () => Role) role: Role,
    @Ctx() ctx: GraphContext,
  ): Promise<ApiKeyRecord & { secret: string }> {
    requireRole(ctx.principal, Role.ADMIN, 'creating API keys');
    if (!TENANT.test(tenant))
      throw badInput('tenant must be 1 to 64 letters, digits, _, . or -', 'tenant');
    const { record, secret } = await ctx.services.keys.create(tenant, role);
    return { ...record, secret };
  }

  @Mutation(() => Boolean)
  revokeApiKey(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphContext): Promise<boolean> {
    requireRole(ctx.principal, Role.ADMIN, 'revoking API keys');
    if (!/^[0-9a-f-]{36}$/i.test(id)) throw badInput(`id: '${id}' is not an API key id`, 'id');
    return ctx.services.keys.revoke(id);
  }
}
