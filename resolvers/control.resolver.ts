import { auditMutations } from '../src/server/audit-middleware';
import { Arg, Ctx, ID, Int, Mutation, Query, Resolver, UseMiddleware } from 'type-graphql';
import type { JobRecord } from '../src/model/job-record';
import type { GraphContext } from '../src/server/context';
import { JobFilterInput } from '../schema/job-filter.input';
import { JobType } from '../schema/job.type';
import { JSONScalar } from '../schema/scalars';
import { SubmitJobInput } from '../schema/submit-job.input';

// Mutations are audited; the middleware sits on the resolvers that have them, not on every field.
@Resolver()
@UseMiddleware(auditMutations)
export class ControlResolver {
  @Mutation(() => JobType)
  submitJob(
    @Arg('input', () => SubmitJobInput) input: SubmitJobInput,
    @Ctx() ctx: GraphContext,
  ): Promise<JobRecord> {
    return ctx.services.jobs.submit(ctx.principal, input);
  }

  @Mutation(() => [JobType])
  submitJobs(
    @Arg('inputs', () => [SubmitJobInput]) inputs: SubmitJobInput[],
    @Ctx() ctx: GraphContext,
  ): Promise<JobRecord[]> {
    return ctx.services.jobs.submitMany(ctx.principal, inputs);
  }

  @Mutation(() => JobType, {
    description:
      'Graceful: a BullMQ job is removed or aborted, a workflow is asked to cancel and runs its compensations.',
  })
  cancelJob(
    @Arg('id', () => ID) id: string,
    @Ctx() ctx: GraphContext,
    @Arg('reason', () => String, { nullable: true }) reason?: string,
  ): Promise<JobRecord> {
    return ctx.services.jobs.cancel(ctx.principal, id, reason);
  }

  @Mutation(() => JobType, { description: 'Hard stop of a TEMPORAL job.' })
  terminateJob(
    @Arg('id', () => ID) id: string,
    @Ctx() ctx: GraphContext,
    @Arg('reason', () => String, { nullable: true }) reason?: string,
  ): Promise<JobRecord> {
    return ctx.services.jobs.terminate(ctx.principal, id, reason);
  }

  @Mutation(() => JobType, { description: 'Runs a FAILED or CANCELLED job again.' })
  retryJob(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphContext): Promise<JobRecord> {
    return ctx.services.jobs.retry(ctx.principal, id);
  }

  @Mutation(() => Int, {
    description: 'Retries every FAILED job matching the filter; returns how many.',
  })
  retryJobs(
    @Arg('filter', () => JobFilterInput) filter: JobFilterInput,
    @Ctx() ctx: GraphContext,
  ): Promise<number> {
    return ctx.services.jobs.retryMany(ctx.principal, filter);
  }

  @Mutation(() => JobType)
  signalJob(
    @Arg('id', () => ID) id: string,
    @Arg('signal', () => String) signal: string,
    @Ctx() ctx: GraphContext,
    @Arg('payload', () => JSONScalar, { nullable: true }) payload?: unknown,
  ): Promise<JobRecord> {
    return ctx.services.jobs.signal(ctx.principal, id, signal, payload ?? null);
  }

  @Query(() => JSONScalar, {
    nullable: true,
    description: 'Runs a Temporal query handler of a TEMPORAL job.',
  })
  workflowQuery(
    @Arg('jobId', () => ID) jobId: string,
    @Arg('name', () => String) name: string,
    @Ctx() ctx: GraphContext,
    @Arg('args', () => JSONScalar, { nullable: true }) args?: unknown,
  ): Promise<unknown> {
    return ctx.services.jobs.query(ctx.principal, jobId, name, args ?? null);
  }
}
