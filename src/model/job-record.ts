import type { Backend, JobStatus, Priority } from './enums';
import type { ChildFailurePolicy } from './flow';
import type { FlowKeys } from './flow-control';

/** A job as the store keeps it; what the GraphQL `Job` type is built from. */
export interface JobRecord {
  id: string;
  tenant: string;
  type: string;
  backend: Backend;
  routingReason: string;
  queue: string;
  status: JobStatus;
  priority: Priority;
  progress: number;
  attempts: number;
  maxAttempts: number;
  input: unknown;
  result: unknown;
  error: string | null;
  idempotencyKey: string | null;
  delayMs: number | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  /** The parent job in a flow; null or absent outside flows. */
  parentId?: string | null;
  /** What this job's final failure does to its parent; null or absent outside flows. */
  onFailure?: ChildFailurePolicy | null;
  /** Stream id of the newest event applied, or null before any. */
  lastEventId: string | null;
  /** The schedule that started this job, if any. */
  scheduleId?: string | null;
  /**
   * Input paths VIEWERs see masked (`ssn`, `card.number`, `items[].secret`), fixed when the
   * job was submitted from its type's sensitive fields; null or absent when none.
   */
  maskedPaths?: string[] | null;
  /** The key each of its type's flow-control options took from the input; null or absent when none. */
  flowKeys?: FlowKeys | null;
}
