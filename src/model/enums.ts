/** Where a job runs. */
export enum Backend {
  BULLMQ = 'BULLMQ',
  TEMPORAL = 'TEMPORAL',
}

/** How submitJob picks a backend. */
export enum BackendChoice {
  AUTO = 'AUTO',
  BULLMQ = 'BULLMQ',
  TEMPORAL = 'TEMPORAL',
}

export enum Priority {
  CRITICAL = 'CRITICAL',
  HIGH = 'HIGH',
  NORMAL = 'NORMAL',
  LOW = 'LOW',
}

/** The one status model of every job, whichever engine runs it. */
export enum JobStatus {
  QUEUED = 'QUEUED',
  DELAYED = 'DELAYED',
  RUNNING = 'RUNNING',
  WAITING = 'WAITING',
  SUCCEEDED = 'SUCCEEDED',
  FAILED = 'FAILED',
  CANCELLED = 'CANCELLED',
}

export enum JobEventType {
  QUEUED = 'QUEUED',
  STARTED = 'STARTED',
  PROGRESS = 'PROGRESS',
  RETRYING = 'RETRYING',
  COMPLETED = 'COMPLETED',
  FAILED = 'FAILED',
  CANCELLED = 'CANCELLED',
  SIGNALED = 'SIGNALED',
  WAITING = 'WAITING',
  COMPENSATING = 'COMPENSATING',
  ACTIVITY_STARTED = 'ACTIVITY_STARTED',
  ACTIVITY_COMPLETED = 'ACTIVITY_COMPLETED',
  ACTIVITY_FAILED = 'ACTIVITY_FAILED',
  /** A line the job's code logged (ctx.log, or log() in a workflow); the line is the message. */
  LOG = 'LOG',
}

export enum Role {
  VIEWER = 'VIEWER',
  OPERATOR = 'OPERATOR',
  ADMIN = 'ADMIN',
}

export const FINAL_STATUSES: ReadonlySet<JobStatus> = new Set([
  JobStatus.SUCCEEDED,
  JobStatus.FAILED,
  JobStatus.CANCELLED,
]);
