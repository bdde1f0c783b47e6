import type { Redis } from 'ioredis';
import type { BusEmitter } from '../../src/bus/event-emitter';
import { JobEventType } from '../../src/model/enums';
import type { NewJobEvent } from '../../src/model/job-event';

/** Limits of job logs. */
export interface LogLimits {
  /** Longest line kept, bytes of UTF-8; longer lines are cut with a marker. @defaultValue 4096 */
  maxLineBytes: number;
  /** Lines kept per job, all attempts together; later ones are counted, not kept. @defaultValue 10000 */
  maxLines: number;
}

const COUNTER_TTL_SECONDS = 7 * 24 * 3600;

/** Cuts `line` to `max` bytes of UTF-8, on a character boundary, with a marker saying how much went. */
export function truncateLine(line: string, max: number): string {
  const bytes = Buffer.byteLength(line);
  if (bytes <= max) return line;
  let cut = Buffer.from(line).subarray(0, max).toString('utf8');
  // A multi-byte character split at the edge decodes to U+FFFD: drop it.
  if (cut.endsWith('\uFFFD')) cut = cut.slice(0, -1);
  return `${cut}… [truncated ${bytes - Buffer.byteLength(cut)} bytes]`;
}

/**
 * Log lines of jobs, on both lanes: each is a LOG event on the bus (stored with the job's
 * other events, pushed live). A per-job counter in Redis enforces the line limit across
 * attempts and workers; what goes over it is counted and reported in one line by `flush`.
 */
export class JobLogger {
  private readonly dropped = new Map<string, number>();

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly emitter: BusEmitter,
    private readonly limits: LogLimits,
  ) {}

  private counterKey(jobId: string): string {
    return `${this.prefix}:logs:${jobId}`;
  }

  /** Logs one line of the job that `base` describes (its type, tenant, attempt, ...). */
  async log(base: Omit<NewJobEvent, 'type' | 'message'>, line: string): Promise<void> {
    const key = this.counterKey(base.jobId);
    const [[, n]] = (await this.redis
      .multi()
      .incr(key)
      .expire(key, COUNTER_TTL_SECONDS)
      .exec()) as [[Error | null, number]];
    if (n > this.limits.maxLines) {
      this.dropped.set(base.jobId, (this.dropped.get(base.jobId) ?? 0) + 1);
      return;
    }
    await this.emitter.emitOne({
      ...base,
      type: JobEventType.LOG,
      message: truncateLine(String(line), this.limits.maxLineBytes),
    });
  }

  /** Says in one line how many of the job's lines went over the limit since the last flush. */
  async flush(base: Omit<NewJobEvent, 'type' | 'message'>): Promise<void> {
    const n = this.dropped.get(base.jobId);
    if (!n) return;
    this.dropped.delete(base.jobId);
    await this.emitter.emitOne({
      ...base,
      type: JobEventType.LOG,
      message: `… ${n} more log line(s) dropped: the limit is ${this.limits.maxLines} lines per job`,
    });
  }
}
