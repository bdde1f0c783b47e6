import { Priority } from '../../model/enums';

/** Temporal priority keys (1 runs first; the server's default is 3). */
export const temporalPriority: Record<Priority, number> = {
  [Priority.CRITICAL]: 1,
  [Priority.HIGH]: 2,
  [Priority.NORMAL]: 3,
  [Priority.LOW]: 4,
};
