/**
 * `jobgate/workflow`: what workflow code imports. Safe inside Temporal's workflow sandbox:
 * it re-exports the Temporal workflow API and adds the calls that turn into jobgate events
 * and log lines of the running job. STARTED, COMPLETED, FAILED, CANCELLED, SIGNALED and
 * ACTIVITY_* events come without any call.
 */
import {
  executeChild as temporalExecuteChild,
  proxyActivities,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import type { Priority } from '../model/enums';
import { JobEventType } from '../model/enums';
import { JOB_MEMO } from '../lanes/temporal/contract';
import type { JobMemo, JobRef } from '../lanes/temporal/contract';
import type { ChildJobActivities } from '../lanes/temporal/worker/child-jobs';
import { childOptions, emitFor, policyActivities } from '../lanes/temporal/worker/workflow-kit';
import { DEFINITION } from './definition-types';

export {
  ActivityCancellationType,
  ApplicationFailure,
  CancellationScope,
  condition,
  defineQuery,
  defineSignal,
  isCancellation,
  proxyActivities,
  setHandler,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
export { failWith, rootMessage } from '../lanes/temporal/worker/workflow-kit';

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

/** Options of a child job started with {@link executeChild}. */
export interface ChildJobOptions {
  /** The child's input, checked against its type's registered schema. @defaultValue none */
  input?: unknown;
  /** @defaultValue 'NORMAL' */
  priority?: Priority | `${Priority}`;
}

/** A registered job type by name, or the definition object itself (`defineJob` / `defineWorkflow`). */
export type ChildJobType =
  string | { readonly [DEFINITION]: 'job' | 'workflow'; readonly name: string };

const isDefinition = (v: unknown): v is { name: string } =>
  typeof v === 'object' && v !== null && DEFINITION in v;

const isChildJobCall = (first: unknown, second: unknown): boolean =>
  isDefinition(first) ||
  (typeof first === 'string' &&
    typeof second === 'object' &&
    second !== null &&
    !('args' in second) &&
    !('workflowId' in second) &&
    !('taskQueue' in second));

/**
 * Starts a child and waits for its result. Given a registered job type (its name with
 * `{ input }`, or its definition), the child is a jobgate job of its own: a row with `parent`
 * set to this workflow's job, its own events, status and controls; it runs on this job's
 * lane (TEMPORAL), as a child workflow, and its failure fails this call. Given anything else
 * (a workflow function, or a workflow type with Temporal's options), it is Temporal's own
 * `executeChild`.
 */
export async function executeChild<T = unknown>(
  type: ChildJobType,
  options?: ChildJobOptions,
): Promise<T>;
export async function executeChild(
  ...args: Parameters<typeof temporalExecuteChild>
): Promise<unknown>;
export async function executeChild(...args: unknown[]): Promise<unknown> {
  const [first, second] = args;
  if (!isChildJobCall(first, second))
    return (temporalExecuteChild as (...a: unknown[]) => Promise<unknown>)(...args);
  const options = (second ?? {}) as ChildJobOptions;
  const { startChildJob } = proxyActivities<ChildJobActivities>({
    startToCloseTimeout: '30s',
    retry: { maximumAttempts: 10, nonRetryableErrorTypes: ['InvalidInput'] },
  });
  const start = await startChildJob({
    job: ref(),
    childId: uuid4(),
    type: isDefinition(first) ? first.name : (first as string),
    input: options.input ?? null,
    ...(options.priority ? { priority: options.priority as Priority } : {}),
  });
  return temporalExecuteChild(start.workflowType, childOptions(start));
}
