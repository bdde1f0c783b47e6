import type { WorkflowExecutionStatusName } from '@temporalio/client';
import { JobStatus } from '../../model/enums';

/** Temporal's execution status as a job status; a new Temporal status fails to compile until mapped. */
export const temporalStatus: Record<WorkflowExecutionStatusName, JobStatus> = {
  UNSPECIFIED: JobStatus.QUEUED,
  RUNNING: JobStatus.RUNNING,
  COMPLETED: JobStatus.SUCCEEDED,
  FAILED: JobStatus.FAILED,
  CANCELLED: JobStatus.CANCELLED,
  // Terminated runs no code: to the user it is a cancellation that skipped cleanup.
  TERMINATED: JobStatus.CANCELLED,
  // The same job goes on in a new run.
  CONTINUED_AS_NEW: JobStatus.RUNNING,
  TIMED_OUT: JobStatus.FAILED,
  UNKNOWN: JobStatus.RUNNING,
};

/** True when the run has ended and will run no more code. */
export const isClosed = (s: WorkflowExecutionStatusName): boolean =>
  s !== 'RUNNING' && s !== 'UNSPECIFIED' && s !== 'UNKNOWN' && s !== 'CONTINUED_AS_NEW';
