/** Where a job runs. */
export type Backend = 'BULLMQ' | 'TEMPORAL';
/** How a submission picks its backend; AUTO applies the routing policy. */
export type BackendChoice = 'AUTO' | Backend;
export type Priority = 'CRITICAL' | 'HIGH' | 'NORMAL' | 'LOW';
export type JobStatus =
  'QUEUED' | 'DELAYED' | 'RUNNING' | 'WAITING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED';

/** The statuses a job does not leave by itself: what {@link JobgateClient.wait} waits for. */
export const FINISHED_STATUSES: readonly JobStatus[] = ['SUCCEEDED', 'FAILED', 'CANCELLED'];

/** A job as the gateway returns it; `O` is the result type of a typed definition. Times are ISO 8601. */
export interface Job<O = unknown> {
  id: string;
  type: string;
  backend: Backend;
  routingReason: string;
  queue: string;
  status: JobStatus;
  priority: Priority;
  /** 0 to 100. */
  progress: number;
  attempts: number;
  maxAttempts: number;
  input: unknown;
  /** Set once the job SUCCEEDED. */
  result: O | null;
  error: string | null;
  idempotencyKey: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}
