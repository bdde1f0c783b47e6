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
import type { JobTypeInfo, RegistryService } from '../src/jobs/registry-service';
import { unavailable } from '../src/model/app-error';
import type { AppError } from '../src/model/app-error';
import type { JobLogLine } from '../src/model/job-log-line';
import type { JobRecord } from '../src/model/job-record';
import type { WorkerInfo } from '../src/model/worker-info';
import { auditMutations } from '../src/server/audit-middleware';
import type { GraphContext } from '../src/server/context';
import { JobLogLineType } from '../schema/job-log-line.type';
import { JobTypeInfoType } from '../schema/job-type-info.type';
import { JobType } from '../schema/job.type';
import { WorkerType } from '../schema/worker.type';

const noRegistry = (): AppError =>
  unavailable('this gateway has no job type registry open; check its start-up logs');

const registryOf = (ctx: GraphContext): RegistryService => {
  if (!ctx.services.registry) throw noRegistry();
  return ctx.services.registry;
};

// Mutations are audited; the middleware sits on the resolvers that have them, not on every field.
@Resolver()
@UseMiddleware(auditMutations)
export class RegistryResolver {
  @Query(() => [JobTypeInfoType])
  jobTypes(@Ctx() ctx: GraphContext): Promise<JobTypeInfo[]> {
    return registryOf(ctx).jobTypes();
  }

  @Query(() => [WorkerType], { description: 'Worker processes, live and recently lost (ADMIN).' })
  workers(@Ctx() ctx: GraphContext): Promise<WorkerInfo[]> {
    return registryOf(ctx).workers(ctx.principal);
  }

  @Mutation(() => Boolean, {
    description: 'Removes a registered job type (ADMIN). Jobs already accepted keep running.',
  })
  unregisterJobType(
    @Arg('name', () => String) name: string,
    @Ctx() ctx: GraphContext,
  ): Promise<boolean> {
    return registryOf(ctx).unregister(ctx.principal, name);
  }
}

@Resolver(() => JobType)
export class JobLogsResolver {
  @FieldResolver(() => [JobLogLineType], { description: 'Lines the job logged, oldest first.' })
  logs(
    @Root() job: JobRecord,
    @Ctx() ctx: GraphContext,
    @Arg('first', () => Int, { nullable: true, defaultValue: 100 }) first?: number,
    @Arg('after', () => ID, { nullable: true }) after?: string,
  ): Promise<JobLogLine[]> {
    // The root came from a tenant-scoped read, so the lines need no second check.
    const loader = ctx.loaders.logs;
    if (!loader) throw noRegistry();
    return loader.load(`${job.id}|${first ?? 100}|${after ?? ''}`);
  }
}

/** GraphQL's Int is 32-bit: a longer timeout (over 24.8 days) is shown as the largest Int. */
const INT_MAX = 2 ** 31 - 1;

@Resolver(() => JobTypeInfoType)
export class JobTypeInfoResolver {
  @FieldResolver(() => Int, { description: "One attempt's limit, ms." })
  timeoutMs(@Root() t: JobTypeInfo): number {
    return Math.min(t.timeoutMs, INT_MAX);
  }
}
