import type { Job as BullJob } from 'bullmq';
import type { BullmqJobData } from '../bullmq-job-data';
import { Backend } from '../../../model/enums';
import type { JobEventType } from '../../../model/enums';
import type { NewJobEvent } from '../../../model/job-event';

/**
 * The attempt a start is: BullMQ counts starts (`attemptsStarted`, which a
 * stalled job's rerun raises too) apart from failures (`attemptsMade`).
 */
export const startedAttempt = (job: BullJob<BullmqJobData>): number =>
  Math.max((job.attemptsStarted ?? 0) - (job.data.deferrals ?? 0), job.attemptsMade + 1);

/** The attempt that just ended (completed, failed or cancelled). */
export const endedAttempt = (job: BullJob<BullmqJobData>): number =>
  Math.max((job.attemptsStarted ?? 0) - (job.data.deferrals ?? 0), job.attemptsMade);

/** An event of this BullMQ job. */
export const jobEvent = (
  job: BullJob<BullmqJobData>,
  type: JobEventType,
  extra: Partial<NewJobEvent> = {},
): NewJobEvent => ({
  tenant: job.data.tenant,
  source: Backend.BULLMQ,
  type,
  jobId: job.id as string,
  jobType: job.name,
  queue: job.queueName,
  ...extra,
});
