import type { Backend } from './enums';

/** Counts of one queue, in the shape of `QueueStats`. */
export interface QueueCounts {
  name: string;
  backend: Backend;
  paused: boolean;
  waiting: number;
  active: number;
  delayed: number;
  completed: number;
  failed: number;
}
