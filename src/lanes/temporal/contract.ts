import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { NewJobEvent } from '../../model/job-event';
import { Backend } from '../../model/enums';
import type { JobEventType, Priority } from '../../model/enums';
import type { ChildOutcome } from '../../model/flow';
import type { FlowControl, FlowKeys } from '../../model/flow-control';

/** Whose job a workflow runs: everything an event needs besides its type. */
export interface JobRef {
  /** The job id, which is also the workflow id. */
  jobId: string;
  tenant: string;
  /** Catalog job type. */
  jobType: string;
  /** Catalog queue (the task queue without its prefix). */
  queue: string;
}

/**
 * What the lane puts in every workflow's memo under {@link JOB_MEMO}: the job a workflow
 * runs and its policy, so user workflows (called with their input alone) know both.
 */
export interface JobMemo {
  tenant: string;
  jobType: string;
  queue: string;
  /** Attempts of each activity the job's code runs. */
  maxAttempts: number;
  /** Delay before the first activity retry, ms; doubles on each further retry. */
  backoffMs: number;
  /** Longest one activity attempt may run, ms. */
  timeoutMs: number;
  /**
   * Set on runs a Temporal Schedule starts: the job id is the workflow's own id (the
   * schedule's workflow id with the due time appended), and the run writes its row first.
   */
  scheduleId?: string; /** The schedule's priority, for the row a scheduled run writes. */
  schedulePriority?: Priority;
  /** Set on jobs of types with per-key flow control: what the flow activities apply. */
  flow?: FlowGateArgs;
}

/** What the flow activities of a job with per-key flow control need. */
export interface FlowGateArgs {
  control: FlowControl;
  keys: FlowKeys;
  /** How long a slot it takes lasts should it never be given back, ms. */
  leaseMs: number;
}

/** Admits a job past its per-key limits and debounce; bookkeeping, not the job's work. */
export const FLOW_ADMIT = 'flowAdmit';
/** Gives a job's per-key slot and deduplication key back when it ends. */
export const FLOW_RELEASE = 'flowRelease';

/** What the flow activities get (not `job`: they are left out of the job's events). */
export interface FlowActivityArgs {
  run: JobRef;
  flow: FlowGateArgs;
  attempt: number;
}

/** What flowAdmit answers: run, or end without running (a later job of its debounce key replaced it). */
export interface FlowAdmitted {
  superseded?: { by: string | null };
}

/** The memo key holding the {@link JobMemo}. */
export const JOB_MEMO = 'jobgate';

/** The activity header that carries the {@link JobRef} of the workflow that scheduled it. */
export const JOB_HEADER = 'jobgate-job';

/** The one argument of jobgate's own workflows (runProcessor). */
export interface WorkflowJob<I = unknown> {
  job: JobRef;
  input: I;
  /** Attempts of each activity (the processor run, a saga step, a batch item). */
  maxAttempts: number;
  /** Delay before the first activity retry, ms; doubles on each further retry. */
  backoffMs: number;
  /** Longest one activity attempt may run, ms; also how long `approval` waits by default. */
  timeoutMs: number;
  /**
   * Set on runs a Temporal Schedule starts: the job id is then the workflow's own id (the
   * schedule's workflow id with the due time appended), and the run writes its row first.
   */
  scheduleId?: string; /** The schedule's priority, for the row a scheduled run writes. */
  schedulePriority?: Priority;
  /** Set on jobs of types with per-key flow control. */
  flow?: FlowGateArgs;
}

/** The activity that writes a scheduled run's row; it is bookkeeping, not the job's work. */
export const RECORD_SCHEDULED_RUN = 'recordScheduledRun';

/** What the recordScheduledRun activity gets: the run's job and its schedule. */
export interface ScheduledRunArgs {
  /** Not `job`: the event interceptor leaves this bookkeeping activity out of the job's events. */
  run: JobRef;
  scheduleId: string;
  input: unknown;
  priority?: Priority;
}

/** The first argument of every jobgate activity, read by the event interceptor. */
export interface ActivityArgs {
  job: JobRef;
}

/** Sent by the lane just before a cancellation, so the CANCELLED event carries the caller's reason. */
export const cancelReasonSignal = defineSignal<[string]>('jobgate.cancelReason');
/** Every jobgate workflow answers `state` with a JSON object describing where it is. */
export const stateQuery = defineQuery<Record<string, unknown>>('state');

/** Workflow type that runs a catalog processor as one activity. */
export const PROCESSOR_WORKFLOW = 'runProcessor';

/** Activities heartbeat at least this often, so cancellation and dead workers are noticed, ms. */
export const HEARTBEAT_TIMEOUT_MS = 5000;

export const TENANT_ATTRIBUTE = defineSearchAttributeKey(
  'JobgateTenant',
  SearchAttributeType.KEYWORD,
);
export const JOB_TYPE_ATTRIBUTE = defineSearchAttributeKey(
  'JobgateJobType',
  SearchAttributeType.KEYWORD,
);

/** The Temporal task queue of a catalog queue: one per queue, under the deployment prefix. */
export const taskQueueName = (prefix: string, queue: string): string => `${prefix}-${queue}`;

/** What a workflow hands to its sink; the worker adds source and workflow id. */
export type SinkEvent = Omit<NewJobEvent, 'source' | 'timestamp' | 'workflowId'>;

/** Workflow sinks: the only way events leave the workflow sandbox. */
export type JobgateSinks = {
  jobgate: {
    emit(event: SinkEvent): void;
  };
};

/** An event of a TEMPORAL job, built outside the workflow sandbox. */
export const temporalEvent = (
  job: JobRef,
  type: JobEventType,
  extra: Partial<NewJobEvent> = {},
): NewJobEvent => ({
  tenant: job.tenant,
  source: Backend.TEMPORAL,
  type,
  jobId: job.jobId,
  jobType: job.jobType,
  queue: job.queue,
  workflowId: job.jobId,
  ...extra,
});

/** Workflow type that runs one node of a TEMPORAL flow: its children, then its processor. */
export const FLOW_WORKFLOW = 'runFlowNode';

/** Everything a workflow needs to start a jobgate job as its child workflow. */
export interface ChildStart {
  /** The child's job: its id is the child workflow's id. */
  ref: JobRef;
  workflowType: string;
  /** Full task queue name. */
  taskQueue: string;
  args: unknown[];
  memo?: Record<string, unknown>;
  /** Temporal priority key; absent for NORMAL. */
  priorityKey?: number;
  /** The child workflow's execution limit (user workflows), ms. */
  executionTimeoutMs?: number;
  /** What the child's failure does to its parent (FAIL_PARENT or IGNORE). */
  onFailure: string;
}

/** The argument of {@link FLOW_WORKFLOW}: the node's job, its children to start, and outcomes already known. */
export interface FlowNodeJob<I = unknown> extends WorkflowJob<I> {
  children: ChildStart[];
  /** Children that succeeded in an earlier launch (not run again). */
  done: ChildOutcome[];
}
