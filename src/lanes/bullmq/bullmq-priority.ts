import { Priority } from '../../model/enums';

/** BullMQ priorities: lower runs first. Every job gets one so the order is total. */
export const bullmqPriority: Record<Priority, number> = {
  [Priority.CRITICAL]: 1,
  [Priority.HIGH]: 2,
  [Priority.NORMAL]: 3,
  [Priority.LOW]: 4,
};

/** Places a fair turn may take within one priority band (BullMQ allows up to 2^21). */
export const FAIR_SPAN = 524_288;

/**
 * A job's BullMQ priority: its band, and within the band its fair turn, the number of jobs of
 * its key waiting before it. Jobs of a quiet key so start before the backlog of a busy one.
 */
export const fairPriority = (priority: Priority, turn = 0): number =>
  (bullmqPriority[priority] - 1) * FAIR_SPAN + 1 + Math.min(Math.max(turn, 0), FAIR_SPAN - 1);
