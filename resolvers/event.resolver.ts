import {
  Arg,
  Ctx,
  FieldResolver,
  ID,
  Int,
  Query,
  Resolver,
  Root,
  Subscription,
} from 'type-graphql';
import type { SubscribeResolverData } from 'type-graphql';
import { tenantScope } from '../src/auth/principal';
import { Role } from '../src/model/enums';
import { maskEventMeta } from '../src/model/mask';
import { JSONScalar } from '../schema/scalars';
import type { JobEvent } from '../src/model/job-event';
import type { JobRecord } from '../src/model/job-record';
import type { GraphContext } from '../src/server/context';
import { JobEventObject } from '../schema/job-event.type';
import { JobEventFilterInput } from '../schema/job-filter.input';
import { JobType } from '../schema/job.type';

type EventArgs = { filter?: JobEventFilterInput | null; after?: string | null };

@Resolver()
export class EventResolver {
  @Query(() => [JobEventObject])
  events(
    @Ctx() ctx: GraphContext,
    @Arg('filter', () => JobEventFilterInput, { nullable: true }) filter?: JobEventFilterInput,
    @Arg('first', () => Int, { nullable: true, defaultValue: 100 }) first?: number,
    @Arg('after', () => ID, { nullable: true }) after?: string,
  ): Promise<JobEvent[]> {
    return ctx.services.jobs.listEvents(ctx.principal, filter ?? {}, first ?? 100, after);
  }

  @Query(() => ID, {
    nullable: true,
    description:
      'A position on the bus just before now (not an event id). Read it before a list, then pass it as `jobEvents(after:)`: the subscription brings every change since the read, with no gap.',
  })
  eventCursor(@Ctx() ctx: GraphContext): Promise<string> {
    return ctx.services.feed.latestCursor();
  }

  @Subscription(() => JobEventObject, {
    description:
      'Events visible to the caller, in bus order. With `after`, first replays what followed that cursor, then goes on live with no gap and no duplicate.',
    subscribe: ({ args, context }: SubscribeResolverData<unknown, EventArgs, GraphContext>) =>
      context.services.feed.events(
        { ...(args.filter ?? {}), tenant: tenantScope(context.principal) },
        args.after,
      ),
  })
  jobEvents(
    @Root() event: JobEvent,
    @Arg('filter', () => JobEventFilterInput, { nullable: true }) _filter?: JobEventFilterInput,
    @Arg('after', () => ID, { nullable: true }) _after?: string,
  ): JobEvent {
    return event;
  }

  @Subscription(() => JobType, {
    description:
      'The job as it stands when the subscription starts, then each time its status or progress changes.',
    subscribe: async ({
      args,
      context,
    }: SubscribeResolverData<unknown, { id: string }, GraphContext>) => {
      const job = await context.services.jobs.require(context.principal, args.id);
      return context.services.feed.jobUpdates(job);
    },
  })
  jobUpdated(
    @Root() job: JobRecord,
    @Ctx() ctx: GraphContext,
    @Arg('id', () => ID) _id: string,
  ): JobRecord {
    // Each push reads its nested fields afresh, not from the first push's loaders.
    ctx.freshLoaders?.();
    return job;
  }
}

@Resolver(() => JobEventObject)
export class JobEventFieldResolver {
  /**
   * A VIEWER sees the job's masked paths masked in meta too (a signal's payload, say). Other
   * roles get the value as it is, synchronously: an event pushed to many subscribers must not
   * make its execution async.
   */
  @FieldResolver(() => JSONScalar, { nullable: true })
  meta(
    @Root() e: JobEvent,
    @Ctx() ctx: GraphContext,
  ): Record<string, unknown> | null | Promise<Record<string, unknown> | null> {
    if (ctx.principal.role !== Role.VIEWER || !e.meta) return e.meta ?? null;
    const meta = e.meta;
    return ctx.loaders.maskedPaths
      .load(e.jobId)
      .then((paths) => maskEventMeta(paths, meta) ?? null);
  }
}
