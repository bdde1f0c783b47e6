/**
 * Pieces every workflow jobgate bundles may use, its own and its users': events through the
 * sink, the job's activity policy, and failures a person can read. Runs in the workflow
 * sandbox: imports only @temporalio/workflow and pure modules.
 */
import {
  ActivityCancellationType,
  ActivityFailure,
  CancellationScope,
  ApplicationFailure,
  CancelledFailure,
  ChildWorkflowCancellationType,
  ParentClosePolicy,
  proxyActivities,
  proxySinks,
  TerminatedFailure,
  TimeoutFailure,
} from '@temporalio/workflow';
import type { ActivityOptions, ChildWorkflowOptions } from '@temporalio/workflow';
import { JobEventType } from '../../../model/enums';
import type { ChildOutcome } from '../../../model/flow';
import { HEARTBEAT_TIMEOUT_MS, JOB_TYPE_ATTRIBUTE, TENANT_ATTRIBUTE } from '../contract';
import type {
  ChildStart,
  FlowActivityArgs,
  FlowAdmitted,
  FlowGateArgs,
  JobgateSinks,
  JobRef,
  ScheduledRunArgs,
  SinkEvent,
} from '../contract';

const { jobgate } = proxySinks<JobgateSinks>();

/** Bookkeeping of scheduled runs: short, retried until Postgres and Redis answer. */
const bookkeeping = proxyActivities<{ recordScheduledRun(a: ScheduledRunArgs): Promise<void> }>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '10 seconds' },
});

/**
 * Writes the row and QUEUED of a run a Temporal Schedule started (once: see ScheduledRuns).
 * Not cancellable: a cancel that comes meanwhile reaches the job's code after it, so the run
 * has its row and ends CANCELLED with the caller's reason.
 */
export const recordScheduledRun = (a: ScheduledRunArgs): Promise<void> =>
  CancellationScope.nonCancellable(() => bookkeeping.recordScheduledRun(a));

/**
 * The flow activities: admission retries until its key has room (the gate's wait, or from
 * 200 ms up to 2 s between tries while every slot is taken); release until Redis answers.
 */
const flowGate = proxyActivities<{
  flowAdmit(a: FlowActivityArgs): Promise<FlowAdmitted>;
  flowRelease(a: FlowActivityArgs): Promise<void>;
}>({
  startToCloseTimeout: '10 seconds',
  retry: {
    initialInterval: '200 milliseconds',
    backoffCoefficient: 1.5,
    maximumInterval: '2 seconds',
  },
});

/**
 * Waits until the job may start past its per-key limits; null to run, or the id of the job
 * that replaced it on its debounce key (it then ends CANCELLED without running).
 */
export async function flowAdmitted(
  job: JobRef,
  flow: FlowGateArgs | undefined,
): Promise<{ by: string | null } | null> {
  if (!flow) return null;
  const admitted = await flowGate.flowAdmit({ run: job, flow, attempt: 1 });
  return admitted.superseded ?? null;
}

/** The CANCELLED of a debounced job a later one of its key replaced: it never ran. */
export function emitReplaced(job: JobRef, by: string | null): void {
  emitFor(job, JobEventType.CANCELLED, {
    message: `debounced: replaced by job ${by}, a later submission of its key`,
    meta: { replacedBy: by },
  });
}

/** Gives the job's per-key slot back, even while it is being cancelled. */
export const flowReleased = (job: JobRef, flow: FlowGateArgs | undefined): Promise<void> =>
  flow
    ? CancellationScope.nonCancellable(() => flowGate.flowRelease({ run: job, flow, attempt: 1 }))
    : Promise.resolve();

/** Sends one event of `job` through the sink (never again on replay). */
export function emitFor(job: JobRef, type: JobEventType, extra: Partial<SinkEvent> = {}): void {
  const { jobId, tenant, jobType, queue } = job;
  jobgate.emit({ tenant, jobId, jobType, queue, type, ...extra });
}

/** The retry and time limits activities of a job run with. */
export interface ActivityPolicy {
  maxAttempts: number;
  backoffMs: number;
  /** One attempt's limit, ms. */
  timeoutMs: number;
}

/** Extra time Temporal gives an attempt past the job's own timeout, which the worker enforces with a clearer message, ms. */
export const TIMEOUT_GRACE_MS = 5000;

/** Times an activity is run again after its attempts ran out on heartbeat timeouts alone. */
const LOST_CONTACT_RERUNS = 5;

/** True when an activity failed because no heartbeat arrived in time (worker or server gone). */
const lostContact = (err: unknown): boolean =>
  err instanceof ActivityFailure &&
  err.cause instanceof TimeoutFailure &&
  err.cause.timeoutType === 'HEARTBEAT';

/**
 * Activities with the job's retry policy; `activityId` names the call in history and events.
 * A call runs again, with a fresh attempt budget and the id `<activityId>~<run>`, when its
 * attempts ran out only because the worker or the server stopped hearing from it: a crash or
 * a restart is not the job's own failure.
 */
export function policyActivities<A extends object>(
  policy: ActivityPolicy,
  activityId?: string,
  maxAttempts = policy.maxAttempts,
): A {
  const options = (run: number): ActivityOptions => ({
    ...(activityId ? { activityId: run === 1 ? activityId : `${activityId}~${run}` } : {}),
    startToCloseTimeout: policy.timeoutMs + TIMEOUT_GRACE_MS,
    heartbeatTimeout: HEARTBEAT_TIMEOUT_MS,
    // Wait for the activity to stop, so nothing of it runs after the workflow's final event.
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    retry: {
      maximumAttempts: maxAttempts,
      initialInterval: Math.max(1, policy.backoffMs),
      backoffCoefficient: 2,
      nonRetryableErrorTypes: ['NonRetryableError', 'NoProcessor', 'InvalidInput'],
    },
  });
  return new Proxy({} as A, {
    get: (_target, name) => {
      return async (...args: unknown[]): Promise<unknown> => {
        for (let run = 1; ; run++) {
          const activity = (proxyActivities(options(run)) as Record<string, unknown>)[
            name as string
          ] as (...a: unknown[]) => Promise<unknown>;
          try {
            return await activity(...args);
          } catch (err) {
            if (!lostContact(err) || run > LOST_CONTACT_RERUNS) throw err;
          }
        }
      };
    },
  });
}

type Cause = { message?: string; name?: string; type?: string | null; cause?: unknown };

/** The innermost cause: its message is what a person wants to read. */
function root(err: unknown): Cause {
  let e = (err ?? {}) as Cause;
  while (e.cause && typeof e.cause === 'object') e = e.cause as Cause;
  return e;
}

/** The innermost cause's message. */
export const rootMessage = (err: unknown): string => root(err).message || String(err);

/** A non-retryable failure with `message`, keeping `err` as its cause. */
export function failWith(err: unknown, message: string): ApplicationFailure {
  const r = root(err);
  return ApplicationFailure.create({
    message,
    type: r.type || r.name || 'Error',
    nonRetryable: true,
    cause: err instanceof Error ? err : undefined,
  });
}

/**
 * What fails the workflow: an ApplicationFailure thrown by workflow code as
 * is; anything else (an activity failure, or a plain Error, which would only
 * fail the workflow task, forever) as a failure with its innermost message.
 */
export const asFailure = (err: unknown): ApplicationFailure =>
  err instanceof ApplicationFailure ? err : failWith(err, rootMessage(err));

/** Options of the child workflow that runs the jobgate job `c`. */
export function childOptions(c: ChildStart): ChildWorkflowOptions & { args: unknown[] } {
  return {
    workflowId: c.ref.jobId,
    taskQueue: c.taskQueue,
    args: c.args,
    ...(c.memo ? { memo: c.memo } : {}),
    ...(c.priorityKey !== undefined ? { priority: { priorityKey: c.priorityKey } } : {}),
    ...(c.executionTimeoutMs ? { workflowExecutionTimeout: c.executionTimeoutMs } : {}),
    typedSearchAttributes: [
      { key: TENANT_ATTRIBUTE, value: c.ref.tenant },
      { key: JOB_TYPE_ATTRIBUTE, value: c.ref.jobType },
    ],
    retry: { maximumAttempts: 1 },
    // A child retried after its failure runs again under its own id.
    workflowIdReusePolicy: 'ALLOW_DUPLICATE',
    // Cancelling the parent cancels its unfinished children, which report CANCELLED themselves.
    cancellationType: ChildWorkflowCancellationType.WAIT_CANCELLATION_COMPLETED,
    parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
  };
}

/** The outcome of a child that did not succeed: CANCELLED when it was cancelled or terminated. */
export function failedChild(c: ChildStart, err: unknown): ChildOutcome {
  let cancelled = false;
  for (let e = err as { cause?: unknown } | undefined; e; e = e.cause as typeof e) {
    if (e instanceof CancelledFailure || e instanceof TerminatedFailure) cancelled = true;
  }
  return {
    id: c.ref.jobId,
    type: c.ref.jobType,
    status: cancelled ? 'CANCELLED' : 'FAILED',
    result: null,
    error: rootMessage(err),
  };
}
