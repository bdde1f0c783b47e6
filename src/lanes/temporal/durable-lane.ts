import type { JobEvent } from '../../model/job-event';
import type { JobStatus } from '../../model/enums';
import type { JobRecord } from '../../model/job-record';
import type { QueueCounts } from '../../model/queue-counts';
import type { WorkflowInfo } from '../../model/workflow-info';

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
