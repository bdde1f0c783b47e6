import { compareStreamIds, isStreamId } from '../model/stream-id';
import { JOB_EVENTS } from './documents';
import type { JobEventsData } from './documents';
import type { EventsOptions, JobEvent } from './job-event';
import type { JobgateError } from './jobgate-error';
import type { LiveFailure, LiveSocket } from './live-socket';
import { backoffDelay } from './retry-policy';
import type { RetryPolicy } from './retry-policy';

/** A strictly increasing id is newer than the last one seen; other ids are trusted as they come. */
const isNewer = (id: string, last: string | undefined): boolean =>
  !last || !isStreamId(id) || !isStreamId(last) || compareStreamIds(id, last) > 0;

/**
 * The gateway's events as an async iterator. When the connection drops it subscribes again
 * with `after` set to the last event it yielded: the gateway replays what followed, then goes
 * on live, so nothing is missed and nothing comes twice.
 */
export class EventStream implements AsyncIterableIterator<JobEvent> {
  private readonly buffer: JobEvent[] = [];
  private waiter?: { resolve(r: IteratorResult<JobEvent>): void; reject(e: unknown): void };
  private failure?: JobgateError;
  private ended = false;
  private lastId?: string;
  private unsubscribe?: () => void;
  private retryTimer?: NodeJS.Timeout;
  /** Failed subscriptions since the last event. */
  private failures = 0;

  constructor(
    private readonly socket: LiveSocket,
    private readonly options: EventsOptions,
    private readonly policy: RetryPolicy,
    private readonly onEnd: (stream: EventStream) => void,
  ) {
    this.lastId = options.after;
    this.start();
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<JobEvent>> {
    const value = this.buffer.shift();
    if (value) return Promise.resolve({ value, done: false });
    if (this.failure) {
      const failure = this.failure;
      this.failure = undefined;
      return Promise.reject(failure);
    }
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => (this.waiter = { resolve, reject }));
  }

  async return(): Promise<IteratorResult<JobEvent>> {
    this.end();
    return { value: undefined, done: true };
  }

  /** Ends the stream; with an error, the next `next()` rejects with it. */
  end(error?: JobgateError): void {
    if (this.ended) return;
    this.ended = true;
    clearTimeout(this.retryTimer);
    this.unsubscribe?.();
    this.onEnd(this);
    const waiter = this.waiter;
    this.waiter = undefined;
    if (!waiter) {
      this.failure = error;
      return;
    }
    if (error) waiter.reject(error);
    else waiter.resolve({ value: undefined, done: true });
  }

  private start(): void {
    const { jobId, types } = this.options;
    const filter = jobId || types ? { jobId, types } : undefined;
    // graphql-ws sends this same object again if it reconnects by itself (after a normal
    // close): keeping `after` current there resumes from the right place too.
    const variables: Record<string, unknown> = { filter, after: this.lastId };
    this.unsubscribe = this.socket.subscribe<JobEventsData>(JOB_EVENTS, variables, {
      next: ({ jobEvents: event }) => {
        if (this.ended || !isNewer(event.id, this.lastId)) return;
        this.lastId = event.id;
        variables.after = event.id;
        this.failures = 0;
        const waiter = this.waiter;
        this.waiter = undefined;
        if (waiter) waiter.resolve({ value: event, done: false });
        else this.buffer.push(event);
      },
      error: (failure) => this.failed(failure),
      complete: () => this.end(),
    });
  }

  private failed({ error, retryable }: LiveFailure): void {
    if (this.ended) return;
    if (!retryable || this.failures >= this.policy.maxRetries) return this.end(error);
    this.retryTimer = setTimeout(
      () => {
        if (!this.ended) this.start();
      },
      backoffDelay(this.policy, this.failures++),
    );
  }
}
