import { auditMutations } from '../src/server/audit-middleware';
import { Arg, Ctx, Mutation, Query, Resolver, UseMiddleware } from 'type-graphql';
import type { GraphContext } from '../src/server/context';
import { QueueStatsType } from '../schema/queue-stats.type';
import type { QueueCounts } from '../src/model/queue-counts';

// Mutations are audited; the middleware sits on the resolvers that have them, not on every field.
@Resolver()
@UseMiddleware(auditMutations)
export class QueueResolver {
  @Query(() => [QueueStatsType])
  queues(@Ctx() ctx: GraphContext): Promise<QueueCounts[]> {
    return ctx.services.jobs.queues(ctx.principal);
  }

  @Mutation(() => QueueStatsType)
  pauseQueue(
    @Arg('name', () => String) name: string,
    @Ctx() ctx: GraphContext,
  ): Promise<QueueCounts> {
    return ctx.services.jobs.pauseQueue(ctx.principal, name);
  }

  @Mutation(() => QueueStatsType)
  resumeQueue(
    @Arg('name', () => String) name: string,
    @Ctx() ctx: GraphContext,
  ): Promise<QueueCounts> {
    return ctx.services.jobs.resumeQueue(ctx.principal, name);
  }
}
