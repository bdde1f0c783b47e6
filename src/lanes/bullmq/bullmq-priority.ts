import { Priority } from '../../model/enums';

/** BullMQ priorities: lower runs first. Every job gets one so the order is total. */
export const bullmqPriority: Record<Priority, number> = {
  [Priority.CRITICAL]: 1,
  [Priority.HIGH]: 2,
  [Priority.NORMAL]: 3,
  [Priority.LOW]: 4,
};
