import type { Redis } from 'ioredis';
import type { BusEmitter } from '../../bus/event-emitter';
import { JobEventType } from '../../model/enums';
import type { NewJobEvent } from '../../model/job-event';

/** Limits of job logs. */
export interface LogLimits {
  /** Longest line kept, bytes of UTF-8, the marker of a cut line included. @defaultValue 4096 */
  maxLineBytes: number;
  /** Lines kept per job, all attempts together; later ones are counted, not kept. @defaultValue 10000 */
  maxLines: number;
}

/** What every line of a job's attempt (or workflow) carries: an event but its type and message. */
export type LogBase = Omit<NewJobEvent, 'type' | 'message'>;

const COUNTER_TTL_SECONDS = 7 * 24 * 3600;

/** Attempts (or workflows) with dropped lines not yet reported that one logger holds at most. */
const MAX_PENDING = 1000;

/**
 * Cuts `line` to at most `max` bytes of UTF-8, marker included, on a character boundary: what
 * is kept is followed by a marker saying how many bytes went. A `max` too small for the marker
 * (below 64 bytes never happens: LOG_MAX_LINE_BYTES is at least 64) keeps the cut alone.
 */
export function truncateLine(line: string, max: number): string {
  const bytes = Buffer.byteLength(line);
  if (bytes <= max) return line;
  const marker = (n: number): string => `… [truncated ${n} bytes]`;
  // At most `bytes` go, so this marker is at least as long as the one written.
  const room = max - Buffer.byteLength(marker(bytes));
  const buf = Buffer.from(line);
  // Back up from the cut to the first byte of the character it would split (a UTF-8
  // continuation byte is 10xxxxxx), so that character goes whole.
  let end = Math.max(0, room < 0 ? max : room);
  while (end > 0 && (buf[end] & 0xc0) === 0x80) end--;
  const kept = buf.subarray(0, end).toString('utf8');
  return room < 0 ? kept : `${kept}${marker(bytes - end)}`;
}

/** Dropped lines of one attempt (or workflow), not yet reported. */
interface Pending {
  base: LogBase;
  n: number;
}

/**
 * Log lines of jobs, on both lanes: each is a LOG event on the bus (stored with the job's
 * other events, pushed live). A per-job counter in Redis enforces the line limit across
 * attempts and workers; what goes over it is counted per attempt (a processor's attempt, or
 * the lines a workflow logs itself) and reported in one line by `flush`, which the worker
 * calls when the attempt (or the workflow) ends.
 */
export class JobLogger {
  /**
   * Dropped lines by attempt, least recently dropped first. Bounded: a workflow whose end this
   * worker never sees (terminated, timed out, or finished on another worker after a restart)
   * is never flushed, and its entry would stay for the life of the process. Past `maxPending`
   * entries the least recently dropped-into one is reported early and freed, so no count is
   * lost, and an attempt still dropping lines then just gets a second line later. No timer to
   * run or stop, and an idle entry has nothing to wait for: a time-based sweep would write the
   * same line, only later.
   */
  private readonly pending = new Map<string, Pending>();

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly emitter: BusEmitter,
    private readonly limits: LogLimits,
    private readonly maxPending = MAX_PENDING,
  ) {}

  private counterKey(jobId: string): string {
    return `${this.prefix}:logs:${jobId}`;
  }

  /** One attempt's lines: a processor attempt's, by attempt and activity, or a workflow's own. */
  private static pendingKey(base: LogBase): string {
    return `${base.jobId}\n${base.attempt ?? ''}\n${base.activityId ?? ''}`;
  }

  /** Logs one line of the job that `base` describes (its type, tenant, attempt, ...). */
  async log(base: LogBase, line: string): Promise<void> {
    const key = this.counterKey(base.jobId);
    const [[, n]] = (await this.redis
      .multi()
      .incr(key)
      .expire(key, COUNTER_TTL_SECONDS)
      .exec()) as [[Error | null, number]];
    if (n > this.limits.maxLines) {
      await this.countDropped(base);
      return;
    }
    await this.emitter.emitOne({
      ...base,
      type: JobEventType.LOG,
      message: truncateLine(String(line), this.limits.maxLineBytes),
    });
  }

  private async countDropped(base: LogBase): Promise<void> {
    const key = JobLogger.pendingKey(base);
    const entry = this.pending.get(key) ?? { base, n: 0 };
    entry.n++;
    // Re-inserted, so the map stays in order of the last dropped line.
    this.pending.delete(key);
    this.pending.set(key, entry);
    if (this.pending.size > this.maxPending) {
      const [oldest] = this.pending.keys();
      await this.flushKey(oldest);
    }
  }

  /**
   * Says in one line how many lines of the attempt (or workflow) `base` describes went over
   * the limit and were not reported yet, and forgets them. Does nothing if none went over.
   */
  flush(base: LogBase): Promise<void> {
    return this.flushKey(JobLogger.pendingKey(base));
  }

  private async flushKey(key: string): Promise<void> {
    const entry = this.pending.get(key);
    if (!entry) return;
    this.pending.delete(key);
    const { base, n } = entry;
    const limit = `the limit is ${this.limits.maxLines} lines per job`;
    await this.emitter.emitOne({
      ...base,
      type: JobEventType.LOG,
      message:
        base.attempt != null
          ? `… ${n} more log line(s) of attempt ${base.attempt} dropped: ${limit}, all attempts together`
          : `… ${n} more log line(s) of the workflow dropped: ${limit}`,
    });
  }
}
