import { Arg, Ctx, FieldResolver, ID, Int, Query, Resolver, Root } from 'type-graphql';
import type { JobEvent } from '../src/model/job-event';
import { MASK, maskPaths } from '../src/model/mask';
import { Role } from '../src/model/enums';
import { assertEventCursor } from '../src/model/stream-id';
import { JSONScalar } from '../schema/scalars';
import type { JobRecord } from '../src/model/job-record';
import type { JobPage } from '../src/jobs/job-service';
import type { GraphContext } from '../src/server/context';
import { JobConnectionType } from '../schema/job-connection.type';
import { JobEventObject } from '../schema/job-event.type';
import { JobFilterInput } from '../schema/job-filter.input';
import { JobType } from '../schema/job.type';
import { WorkflowExecutionType } from '../schema/workflow-execution.type';
import { FlowKeyType } from '../schema/flow-control.type';
import { FLOW_OPTIONS } from '../src/model/flow-control';
import type { WorkflowInfo } from '../src/model/workflow-info';

/**
 * The paths a VIEWER sees masked in a job's input and result: the job's own, fixed when it
 * was submitted; its type's current ones only for a record that never carried them.
 */
const pathsOf = (job: JobRecord, ctx: GraphContext): readonly string[] =>
  job.maskedPaths === undefined
    ? (ctx.services.jobs.jobType(job.type)?.sensitiveFields ?? [])
    : (job.maskedPaths ?? []);

@Resolver(() => JobType)
export class JobResolver {
  @Query(() => JobType, { nullable: true })
  job(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphContext): Promise<JobRecord | null> {
    return ctx.services.jobs.get(ctx.principal, id);
  }

  @Query(() => JobConnectionType)
  jobs(
    @Ctx() ctx: GraphContext,
    @Arg('filter', () => JobFilterInput, { nullable: true }) filter?: JobFilterInput,
    @Arg('first', () => Int, { nullable: true, defaultValue: 50 }) first?: number,
    @Arg('after', () => String, { nullable: true }) after?: string,
  ): Promise<JobPage> {
    return ctx.services.jobs.list(ctx.principal, filter ?? {}, first ?? 50, after);
  }

  @FieldResolver(() => [JobEventObject], { description: "This job's events, oldest first." })
  events(
    @Root() job: JobRecord,
    @Ctx() ctx: GraphContext,
    @Arg('first', () => Int, { nullable: true, defaultValue: 100 }) first?: number,
    @Arg('after', () => ID, { nullable: true }) after?: string,
  ): Promise<JobEvent[]> {
    const n = Math.max(1, Math.min(first ?? 100, 1000));
    assertEventCursor(after);
    return ctx.loaders.events.load(`${job.id}|${n}|${after ?? ''}`);
  }

  @FieldResolver(() => JSONScalar, {
    nullable: true,
    description: "The job's input; fields its type marks sensitive are masked for VIEWERs.",
  })
  input(@Root() job: JobRecord, @Ctx() ctx: GraphContext): unknown {
    return ctx.principal.role === Role.VIEWER ? maskPaths(pathsOf(job, ctx), job.input) : job.input;
  }

  @FieldResolver(() => JSONScalar, { nullable: true })
  result(@Root() job: JobRecord, @Ctx() ctx: GraphContext): unknown {
    return ctx.principal.role === Role.VIEWER
      ? maskPaths(pathsOf(job, ctx), job.result)
      : job.result;
  }

  @FieldResolver(() => [FlowKeyType], {
    description:
      "The key each of its type's flow-control options took from the input: what it ran under. VIEWERs see a key from a sensitive field masked.",
  })
  flowKeys(@Root() job: JobRecord, @Ctx() ctx: GraphContext): FlowKeyType[] {
    const keys = job.flowKeys;
    if (!keys) return [];
    const fc = ctx.services.jobs.jobType(job.type)?.flowControl ?? {};
    const masked = ctx.principal.role === Role.VIEWER ? pathsOf(job, ctx) : [];
    return FLOW_OPTIONS.filter((o) => keys[o] !== undefined).map((option) => {
      const path = fc[option]?.key ?? '';
      const hidden = masked.includes(path.replace(/^input\./, ''));
      return { option, path, value: hidden ? MASK : (keys[option] as string) };
    });
  }

  @FieldResolver(() => WorkflowExecutionType, {
    nullable: true,
    description: 'Live Temporal details; null for BullMQ jobs.',
  })
  workflow(@Root() job: JobRecord, @Ctx() ctx: GraphContext): Promise<WorkflowInfo | null> | null {
    return job.backend === 'TEMPORAL' ? ctx.loaders.workflow.load(job) : null;
  }
}

@Resolver(() => JobConnectionType)
export class JobConnectionResolver {
  @FieldResolver(() => Int, {
    description: 'Jobs matching the filter, counted only when asked for.',
  })
  totalCount(@Root() page: JobPage, @Ctx() ctx: GraphContext): Promise<number> {
    return ctx.services.jobs.count(page.query);
  }
}
