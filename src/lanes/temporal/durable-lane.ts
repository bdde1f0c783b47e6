import type { JobEvent } from '../../bus/job-event';
import type { JobStatus } from '../../jobs/enums';
import type { JobRecord } from '../../jobs/job-record';
import type { QueueCounts } from '../bullmq/bullmq-lane';

/** A pending activity as Temporal's describe reports it. */
export interface PendingActivityInfo {
  activityId: string;
  activityType: string;
  attempt: number;
  state: string;
  lastFailure: string | null;
}

/** Live details of a workflow execution. */
export interface WorkflowInfo {
  workflowId: string;
  runId: string | null;
  workflowType: string;
  taskQueue: string;
  temporalStatus: string;
  historyLength: number | null;
  pendingActivities: PendingActivityInfo[];
}

/** The durable lane as the job service sees it; the Temporal implementation lives beside this file. */
export interface DurableLane {
  /** Starts one workflow per job (workflowId = job id) and emits their QUEUED events first. */
  start(jobs: JobRecord[]): Promise<JobEvent[]>;
  /** Graceful cancellation; resolves to the status the job is in after asking. */
  cancel(job: JobRecord, reason: string): Promise<JobStatus>;
  terminate(job: JobRecord, reason: string): Promise<JobStatus>;
  /** A new run of a FAILED or CANCELLED workflow under the same id. */
  retry(job: JobRecord): Promise<JobEvent>;
  signal(job: JobRecord, name: string, payload: unknown): Promise<void>;
  query(job: JobRecord, name: string, args: unknown): Promise<unknown>;
  describe(jobs: readonly JobRecord[]): Promise<Map<string, WorkflowInfo | null>>;
  stats(): Promise<QueueCounts[]>;
  close(): Promise<void>;
}
