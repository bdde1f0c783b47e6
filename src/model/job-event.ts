import type { Backend, JobEventType, JobStatus } from './enums';

/** One entry of the unified event bus. `id` is its Redis stream id, which is also its cursor. */
export interface JobEvent {
  id: string;
  tenant: string;
  source: Backend;
  type: JobEventType;
  jobId: string;
  jobType: string;
  queue: string;
  workflowId?: string | null;
  activityId?: string | null;
  attempt?: number | null;
  /** 0 to 100, on PROGRESS events. */
  progress?: number | null;
  message?: string | null;
  /** Free-form details; `result` on COMPLETED, `step` on COMPENSATING, `delayMs` on QUEUED... */
  meta?: Record<string, unknown> | null;
  /** ISO 8601. */
  timestamp: string;
  /** Overrides the status the event type implies (e.g. QUEUED of a delayed job is DELAYED). */
  status?: JobStatus | null;
}

/** An event before the bus has given it an id. */
export type NewJobEvent = Omit<JobEvent, 'id' | 'timestamp'> & { timestamp?: string };
