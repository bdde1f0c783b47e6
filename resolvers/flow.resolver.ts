import { Arg, Ctx, FieldResolver, Mutation, Resolver, Root, UseMiddleware } from 'type-graphql';
import type { JobRecord } from '../src/model/job-record';
import type { FlowNodeSubmission } from '../src/model/flow';
import { auditMutations } from '../src/server/audit-middleware';
import type { GraphContext } from '../src/server/context';
import { FlowNodeInput } from '../schema/flow-node.input';
import { JobType } from '../schema/job.type';

/** Flows: `submitFlow`, and `Job.parent` / `Job.children` through per-request loaders. */
@Resolver(() => JobType)
@UseMiddleware(auditMutations)
export class FlowResolver {
  @Mutation(() => JobType, {
    description:
      'Submits a tree of jobs; returns the root. Every node is a job with its own id, events and status.',
  })
  submitFlow(
    @Arg('root', () => FlowNodeInput) root: FlowNodeInput,
    @Ctx() ctx: GraphContext,
  ): Promise<JobRecord> {
    return ctx.services.jobs.submitFlow(ctx.principal, root as FlowNodeSubmission);
  }

  @FieldResolver(() => JobType, { nullable: true, description: 'The parent job in a flow.' })
  async parent(@Root() job: JobRecord, @Ctx() ctx: GraphContext): Promise<JobRecord | null> {
    if (!job.parentId || !ctx.loaders.jobById) return null;
    return ctx.loaders.jobById.load(job.parentId);
  }

  @FieldResolver(() => [JobType], {
    description: "This job's children in a flow, oldest first; empty outside flows.",
  })
  async children(@Root() job: JobRecord, @Ctx() ctx: GraphContext): Promise<JobRecord[]> {
    return ctx.loaders.children ? ctx.loaders.children.load(job.id) : [];
  }
}
