/**
 * `jobgate/workflow`: what workflow code imports. Safe inside Temporal's workflow sandbox:
 * it re-exports the Temporal workflow API and adds the calls that turn into jobgate events
 * and log lines of the running job. STARTED, COMPLETED, FAILED, CANCELLED, SIGNALED and
 * ACTIVITY_* events come without any call.
 */
import { workflowInfo } from '@temporalio/workflow';
import { JobEventType } from '../model/enums';
import { JOB_MEMO } from '../../workers/temporal/shared';
import type { JobMemo, JobRef } from '../../workers/temporal/shared';
import { emitFor, policyActivities } from '../../workers/temporal/workflow-kit';

export {
  ActivityCancellationType,
  ApplicationFailure,
  CancellationScope,
  condition,
  defineQuery,
  defineSignal,
  executeChild,
  isCancellation,
  proxyActivities,
  setHandler,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
export { failWith, rootMessage } from '../../workers/temporal/workflow-kit';

/** The job the current workflow runs, with its activity policy. */
export interface CurrentJob extends JobMemo {
  jobId: string;
}

/** The job this workflow runs; throws outside a workflow that jobgate started. */
export function currentJob(): CurrentJob {
  const info = workflowInfo();
  const memo = info.memo?.[JOB_MEMO] as JobMemo | undefined;
  if (!memo)
    throw new Error(
      `workflow ${info.workflowType} (${info.workflowId}) was not started by jobgate: jobgate/workflow's event calls need a jobgate job`,
    );
  return { ...memo, jobId: info.workflowId };
}

const ref = (): JobRef => {
  const { jobId, tenant, jobType, queue } = currentJob();
  return { jobId, tenant, jobType, queue };
};

/** Reports progress of the job, 0 to 100 (a PROGRESS event). `meta` is kept with the event. */
export function progress(percent: number, meta?: Record<string, unknown>): void {
  const p = Math.max(0, Math.min(100, Math.round(percent)));
  emitFor(ref(), JobEventType.PROGRESS, { progress: p, ...(meta ? { meta } : {}) });
}

/** Appends a line to the job's log. */
export function log(line: string): void {
  emitFor(ref(), JobEventType.LOG, { message: String(line) });
}

/** The job shows WAITING, with `message`, until the workflow goes on (its next event). */
export function waiting(message: string): void {
  emitFor(ref(), JobEventType.WAITING, { message });
}

/** Announces the compensation of `step` (a COMPENSATING event naming it). */
export function compensating(step: string): void {
  emitFor(ref(), JobEventType.COMPENSATING, {
    message: `compensating step '${step}'`,
    meta: { step },
  });
}

/**
 * Activities with the job's policy: its attempts, backoff and timeout, a heartbeat timeout
 * that notices a dead worker, and a fresh run when a worker or server crash (not the job's
 * own failure) used up the attempts. `activityId` names the call in history and events.
 */
export function jobActivities<A extends object>(
  options: { activityId?: string; maxAttempts?: number } = {},
): A {
  return policyActivities<A>(currentJob(), options.activityId, options.maxAttempts);
}
