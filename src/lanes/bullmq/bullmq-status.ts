import type { JobState } from 'bullmq';
import { JobStatus } from '../../model/enums';

/** BullMQ's job states in the one status model. */
export const statusOfBullmqState: Record<JobState | 'unknown', JobStatus | null> = {
  waiting: JobStatus.QUEUED,
  prioritized: JobStatus.QUEUED,
  'waiting-children': JobStatus.WAITING,
  delayed: JobStatus.DELAYED,
  active: JobStatus.RUNNING,
  completed: JobStatus.SUCCEEDED,
  failed: JobStatus.FAILED,
  unknown: null,
};
