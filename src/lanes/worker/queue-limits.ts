/** One queue and the limits its workers apply (BullMQ's own concurrency, global concurrency and limiter). */
export interface QueueLimits {
  name: string;
  /** Attempts at once in this process. */
  concurrency: number;
  /** Attempts at once across all workers. */
  globalConcurrency?: number;
  /** Starts per window across all workers. */
  rateLimit?: { max: number; durationMs: number };
}
