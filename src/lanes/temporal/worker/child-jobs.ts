import { ApplicationFailure } from '@temporalio/activity';
import type { BusEmitter } from '../../../bus/event-emitter';
import { validateInput } from '../../../registry/input-validator';
import { AppError } from '../../../model/app-error';
import { Backend, JobEventType, JobStatus, Priority } from '../../../model/enums';
import type { JobTypeCatalog } from '../../../model/job-type';
import type { JobStore } from '../../../store/job-store';
import { temporalPriority } from '../temporal-priority';
import { JOB_MEMO, PROCESSOR_WORKFLOW, taskQueueName, temporalEvent } from '../contract';
import type { ActivityArgs, ChildStart, JobMemo, WorkflowJob } from '../contract';

/** What `startChildJob` needs from the worker process. */
export interface ChildJobDeps {
  jobs: JobStore;
  catalog: JobTypeCatalog;
  emitter: BusEmitter;
  /** Task queues are `${prefix}-${queue}`. */
  prefix: string;
}

/** The argument of `startChildJob`: the parent's job, and the child it asks for. */
export interface ChildJobRequest extends ActivityArgs {
  /** Chosen by the workflow (deterministic), so a retried activity finds its own row. */
  childId: string;
  type: string;
  input: unknown;
  priority?: Priority;
}

/**
 * The activity behind `executeChild` of `jobgate/workflow`: checks the child's type and input
 * against the registry, stores the child's row with its parent, emits its QUEUED event, and
 * tells the workflow how to start it. A type never registered or a bad input fails the call
 * without retry (InvalidInput).
 */
export function createChildJobActivities(d: ChildJobDeps) {
  return {
    async startChildJob(r: ChildJobRequest): Promise<ChildStart> {
      const type = d.catalog.find(r.type) ?? (await d.catalog.ensure(r.type));
      if (!type)
        throw ApplicationFailure.nonRetryable(
          `executeChild: unknown job type '${r.type}'; register it with a worker first`,
          'InvalidInput',
        );
      const input =
        r.input === undefined || r.input === null
          ? type.inputSchema.type === 'object'
            ? {}
            : null
          : r.input;
      try {
        validateInput(type, input, 'executeChild input');
      } catch (err) {
        if (err instanceof AppError)
          throw ApplicationFailure.nonRetryable(err.message, 'InvalidInput');
        throw err;
      }
      const ref = { jobId: r.childId, tenant: r.job.tenant, jobType: type.name, queue: type.queue };
      const priority = r.priority ?? Priority.NORMAL;
      const memo: JobMemo = {
        tenant: ref.tenant,
        jobType: type.name,
        queue: type.queue,
        maxAttempts: type.maxAttempts,
        backoffMs: type.backoffMs,
        timeoutMs: type.timeoutMs,
      };
      const arg: WorkflowJob = { job: ref, input, ...memo };
      const start: ChildStart = {
        ref,
        workflowType: type.workflowName ?? PROCESSOR_WORKFLOW,
        taskQueue: taskQueueName(d.prefix, type.queue),
        args: type.workflowName ? [input] : [arg],
        ...(type.workflowName
          ? { memo: { [JOB_MEMO]: memo }, executionTimeoutMs: type.timeoutMs }
          : {}),
        ...(priority !== Priority.NORMAL ? { priorityKey: temporalPriority[priority] } : {}),
        onFailure: 'FAIL_PARENT',
      };
      const inserted = await d.jobs.insert([
        {
          id: r.childId,
          tenant: ref.tenant,
          type: type.name,
          backend: Backend.TEMPORAL,
          routingReason: `child of workflow job ${r.job.jobId} (executeChild)`,
          queue: type.queue,
          status: JobStatus.QUEUED,
          priority,
          maxAttempts: type.maxAttempts,
          input,
          idempotencyKey: null,
          delayMs: null,
          parentId: r.job.jobId,
          onFailure: null,
        },
      ]);
      if (inserted.has(r.childId))
        await d.emitter.emitOne(
          temporalEvent(ref, JobEventType.QUEUED, {
            meta: {
              workflowType: start.workflowType,
              taskQueue: start.taskQueue,
              parentId: r.job.jobId,
            },
          }),
        );
      return start;
    },
  };
}

export type ChildJobActivities = ReturnType<typeof createChildJobActivities>;
