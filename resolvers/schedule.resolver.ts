import {
  Arg,
  Ctx,
  FieldResolver,
  ID,
  Int,
  Mutation,
  Query,
  Resolver,
  Root,
  UseMiddleware,
} from 'type-graphql';
import type { ScheduleService } from '../src/jobs/schedule-service';
import { unavailable } from '../src/model/app-error';
import { Role } from '../src/model/enums';
import type { JobRecord } from '../src/model/job-record';
import { maskPaths } from '../src/model/mask';
import type { ScheduleRecord } from '../src/model/schedule';
import { auditMutations } from '../src/server/audit-middleware';
import type { GraphContext } from '../src/server/context';
import { JobType } from '../schema/job.type';
import { ScheduleInputType } from '../schema/schedule.input';
import { ScheduleType } from '../schema/schedule.type';
import { DateTimeScalar, JSONScalar } from '../schema/scalars';

const schedulesOf = (ctx: GraphContext): ScheduleService => {
  if (!ctx.services.schedules)
    throw unavailable('this gateway has no schedule service; check its start-up logs');
  return ctx.services.schedules;
};

// Mutations are audited; the middleware sits on the resolvers that have them.
@Resolver(() => ScheduleType)
@UseMiddleware(auditMutations)
export class ScheduleResolver {
  @Query(() => [ScheduleType])
  schedules(@Ctx() ctx: GraphContext): Promise<ScheduleRecord[]> {
    return schedulesOf(ctx).list(ctx.principal);
  }

  @Query(() => ScheduleType, { nullable: true })
  schedule(
    @Arg('id', () => ID) id: string,
    @Ctx() ctx: GraphContext,
  ): Promise<ScheduleRecord | null> {
    return schedulesOf(ctx).get(ctx.principal, id);
  }

  @Mutation(() => ScheduleType)
  upsertSchedule(
    @Arg('input', () => ScheduleInputType) input: ScheduleInputType,
    @Ctx() ctx: GraphContext,
  ): Promise<ScheduleRecord> {
    return schedulesOf(ctx).upsert(ctx.principal, input);
  }

  @Mutation(() => ScheduleType)
  pauseSchedule(
    @Arg('id', () => ID) id: string,
    @Ctx() ctx: GraphContext,
    @Arg('note', () => String, { nullable: true }) note?: string,
  ): Promise<ScheduleRecord> {
    return schedulesOf(ctx).pause(ctx.principal, id, note ?? null);
  }

  @Mutation(() => ScheduleType)
  resumeSchedule(
    @Arg('id', () => ID) id: string,
    @Ctx() ctx: GraphContext,
  ): Promise<ScheduleRecord> {
    return schedulesOf(ctx).resume(ctx.principal, id);
  }

  @Mutation(() => JobType, {
    description: 'Starts one run now, whatever the spec and overlap policy say.',
  })
  triggerSchedule(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphContext): Promise<JobRecord> {
    return schedulesOf(ctx).trigger(ctx.principal, id);
  }

  @Mutation(() => Boolean)
  deleteSchedule(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphContext): Promise<boolean> {
    return schedulesOf(ctx).delete(ctx.principal, id);
  }

  @FieldResolver(() => JSONScalar, { nullable: true })
  input(@Root() s: ScheduleRecord, @Ctx() ctx: GraphContext): unknown {
    return ctx.principal.role === Role.VIEWER
      ? maskPaths(ctx.services.jobs.jobType(s.type)?.sensitiveFields ?? [], s.input)
      : s.input;
  }

  @FieldResolver(() => [DateTimeScalar], {
    description: 'The next times a run is due (none while paused).',
  })
  nextRunTimes(
    @Root() s: ScheduleRecord,
    @Ctx() ctx: GraphContext,
    @Arg('count', () => Int, { nullable: true, defaultValue: 5 }) count?: number,
  ): Date[] {
    return schedulesOf(ctx).nextRunTimes(s, count ?? 5);
  }

  @FieldResolver(() => [JobType], { description: 'Jobs this schedule started, newest first.' })
  recentJobs(
    @Root() s: ScheduleRecord,
    @Ctx() ctx: GraphContext,
    @Arg('first', () => Int, { nullable: true, defaultValue: 10 }) first?: number,
  ): Promise<JobRecord[]> {
    return schedulesOf(ctx).recentJobs(s, first ?? 10);
  }
}
