export type JobEventType =
  | 'QUEUED'
  | 'STARTED'
  | 'PROGRESS'
  | 'RETRYING'
  | 'COMPLETED'
  | 'FAILED'
  | 'CANCELLED'
  | 'SIGNALED'
  | 'WAITING'
  | 'COMPENSATING'
  | 'ACTIVITY_STARTED'
  | 'ACTIVITY_COMPLETED'
  | 'ACTIVITY_FAILED'
  /** A line the job's code logged; the line is the message. */
  | 'LOG';

/** One entry of the gateway's event bus. */
export interface JobEvent {
  /** Strictly increasing in bus order: the cursor `after` takes. */
  id: string;
  source: 'BULLMQ' | 'TEMPORAL';
  type: JobEventType;
  jobId: string;
  jobType: string;
  queue: string;
  workflowId: string | null;
  activityId: string | null;
  attempt: number | null;
  /** 0 to 100, on PROGRESS events. */
  progress: number | null;
  message: string | null;
  meta: unknown;
  timestamp: string;
}

/** What {@link JobgateClient.events} follows. */
export interface EventsOptions {
  /** Only this job's events. */
  jobId?: string;
  /** Only these types. */
  types?: JobEventType[];
  /**
   * Start after this event id: what followed it is replayed first, then live events follow.
   * Without it the stream starts live.
   */
  after?: string;
}
