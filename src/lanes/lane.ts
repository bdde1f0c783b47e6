import type { Backend, JobStatus } from '../model/enums';
import type { JobEvent } from '../model/job-event';
import type { JobRecord } from '../model/job-record';
import type { QueueCounts } from '../model/queue-counts';
import type { WorkflowInfo } from '../model/workflow-info';
import type { FlowLane } from './flow-lane';

/** How the engine's latest run of a job stands (what the reconciler compares the store with). */
export interface RunOutcome {
  /**
   * RUNNING while the engine has not finished the run; else COMPLETED, FAILED, CANCELLED,
   * TERMINATED, TIMED_OUT (Temporal's names; BullMQ's runs end in the first three).
   */
  status: string;
  /** The run: Temporal's run id, BullMQ's count of started attempts. */
  runId: string;
  /** When the run ended; null while it runs. */
  closeTime: Date | null;
  /** The return value of a COMPLETED run. */
  result?: unknown;
  /** Why a run that did not complete ended. */
  message?: string;
  /** The attempt that ended, where the engine counts them. */
  attempt?: number;
}

/** What only a lane whose jobs are workflows does: hard stops, signals, queries, run details. */
export interface WorkflowControl {
  /** Ends the run at once, without cleanup; resolves to the status the job is in after. */
  terminate(job: JobRecord, reason: string): Promise<JobStatus>;
  signal(job: JobRecord, name: string, payload: unknown): Promise<void>;
  query(job: JobRecord, name: string, args: unknown): Promise<unknown>;
  /** The engine's view of each job's workflow run; null for a job it does not hold. */
  describe(jobs: readonly JobRecord[]): Promise<Map<string, WorkflowInfo | null>>;
}

/** What an engine did with the new jobs a lane handed it. */
export interface HandOver {
  /**
   * New jobs the engine joined to an earlier job of their deduplication key instead of taking
   * them: new job id to the id of the job it joined. Every other job it holds now.
   */
  joined: Map<string, string>;
}

/** What the job services ask of an engine; BULLMQ and TEMPORAL each implement it. */
export interface Lane {
  readonly backend: Backend;
  /**
   * Hands new jobs to the engine; their QUEUED events go on the bus once the engine holds
   * them (on BULLMQ in the same transaction), never for a job it refused.
   */
  enqueue(jobs: JobRecord[]): Promise<HandOver>;
  /**
   * True when the lane emits a submission's QUEUED after the engine's answer, in a second
   * step: a gateway that dies between the two loses it, and the submission relay emits it.
   */
  readonly queuedAfterHandOver?: boolean;
  /** Emits a submission's QUEUED for jobs the engine holds (the relay, after such a crash). */
  announce(jobs: JobRecord[]): Promise<void>;
  /** Graceful cancellation; resolves to the status the job is in after asking. */
  cancel(job: JobRecord, reason: string): Promise<JobStatus>;
  /** A new run of a FAILED or CANCELLED job under the same id. */
  retry(job: JobRecord): Promise<JobEvent>;
  /** Whether the engine holds the job (waiting, delayed, running or kept after it ended). */
  exists(job: JobRecord): Promise<boolean>;
  /**
   * Hands the engine jobs whose rows exist but which it does not hold (a submission cut
   * short by a crash). `announce` emits their QUEUED events too, for rows that have none.
   * A job the engine got meanwhile is left as it is.
   */
  redeliver(jobs: JobRecord[], announce: boolean): Promise<void>;
  /** How the engine's latest run of the job stands; null when the engine does not hold it. */
  outcome(job: JobRecord): Promise<RunOutcome | null>;
  /** Counts of the lane's queues. */
  stats(): Promise<QueueCounts[]>;
  /** Workflow control; absent on a lane whose jobs are not workflows (BULLMQ). */
  readonly workflows?: WorkflowControl;
  /** Flows on this lane; absent where the lane runs none. */
  flows?(): FlowLane;
  close(): Promise<void>;
}
