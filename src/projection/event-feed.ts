import type { Redis } from 'ioredis';
import type { JobRecord } from '../model/job-record';
import { applyPatch, foldEvent } from '../model/status-model';
import type { EventStore } from '../store/event-store';
import { AsyncQueue } from '../bus/async-queue';
import type { BusKeys } from '../bus/bus-keys';
import { eventFromEntry } from '../bus/event-emitter';
import type { EventHub } from '../bus/event-hub';
import type { JobEvent } from '../model/job-event';
import { assertEventCursor, compareStreamIds } from '../model/stream-id';
import { eventMatches } from '../model/event-query';
import type { EventQuery } from '../model/event-query';
import { storedBelow } from './stored-mark';

const PAGE = 500;

/** Live event streams for subscriptions: replay after a cursor, then live, with no gap and no duplicate. */
export class EventFeed {
  constructor(
    private readonly hub: EventHub,
    private readonly reader: Redis,
    private readonly keys: BusKeys,
    private readonly store: EventStore,
    /** Most events one subscriber may fall behind before it is closed. @defaultValue 10000 */
    private readonly bufferLimit = 10_000,
  ) {}

  /**
   * A position just before now on the bus: every event appended after this call follows it
   * (Redis stamps stream ids from its own clock, never going back). It is read from Redis's
   * clock rather than from the newest entry, so it is no event's id and tells no tenant of
   * another's events; an event of the current millisecond may follow it too.
   */
  async latestCursor(): Promise<string> {
    const [sec, usec] = await this.reader.time();
    const ms = Number(sec) * 1000 + Math.floor(Number(usec) / 1000);
    return `${ms - 1}-999999999`;
  }

  /**
   * Stored events after `after`, oldest first: Postgres for what the aggregators have
   * stored, then the stream for the rest only (their lag), so an old cursor reads the
   * tenant's own rows rather than every tenant's entries in the stream.
   */
  async *replay(query: EventQuery, after: string): AsyncGenerator<JobEvent> {
    let cursor = after;
    // Every entry before `mark` is stored; undefined when the stream is empty and has no group.
    const mark = await storedBelow(this.reader, this.keys);
    let from = `(${cursor}`;
    if (!mark || compareStreamIds(cursor, mark) < 0) {
      for (;;) {
        const rows = await this.store.list(query, PAGE, cursor, mark);
        for (const e of rows) yield e;
        // Also after the last page: with an empty stream at the check above, events written since
        // are in Postgres and in the stream alike, and the stream must be read after them.
        if (rows.length) cursor = rows[rows.length - 1].id;
        if (rows.length < PAGE) break;
      }
      // The stream from the mark on, inclusive of it.
      from = mark ?? `(${cursor}`;
    }
    for (;;) {
      const entries = await this.reader.xrange(this.keys.stream, from, '+', 'COUNT', PAGE);
      for (const [id, fields] of entries) {
        const e = eventFromEntry(id, fields);
        if (eventMatches(e, query)) yield e;
      }
      if (entries.length < PAGE) break;
      from = `(${entries[entries.length - 1][0]}`;
    }
  }

  /** `jobEvents`: optional replay after `after`, then live events matching `query`. Checks `after` before subscribing. */
  events(query: EventQuery, after?: string | null): AsyncGenerator<JobEvent> {
    assertEventCursor(after);
    const live = new AsyncQueue<JobEvent>(this.bufferLimit);
    // Listen before replaying: what arrives meanwhile is held, and dropped if replay already gave it.
    const off = this.hub.subscribe((e) => {
      if (eventMatches(e, query)) live.push(e);
    });
    const gen = this.stream(query, after, live, () => stop());
    const stop = async (): Promise<void> => {
      off();
      await live.return();
    };
    return closable(gen, stop);
  }

  private async *stream(
    query: EventQuery,
    after: string | null | undefined,
    live: AsyncQueue<JobEvent>,
    stop: () => Promise<void>,
  ): AsyncGenerator<JobEvent> {
    try {
      let last: string | null = after ?? null;
      if (after) {
        for await (const e of this.replay(query, after)) {
          if (last && compareStreamIds(e.id, last) <= 0) continue;
          last = e.id;
          yield e;
        }
      }
      for await (const e of live) {
        if (last && compareStreamIds(e.id, last) <= 0) continue;
        last = e.id;
        yield e;
      }
    } finally {
      await stop();
    }
  }

  /**
   * `jobUpdated`: the job as the store has it, then folded forward with each of its events.
   * The first push answers a subscriber that came after the job changed for the last time
   * (a job that ended meanwhile), who would otherwise wait for a change that never comes.
   */
  jobUpdates(job: JobRecord): AsyncGenerator<JobRecord> {
    // Before the store has applied any event, replay from a minute before creation (clocks differ a little).
    const from = job.lastEventId ?? `${job.createdAt.getTime() - 60_000}-0`;
    const events = this.events({ jobId: job.id, tenant: job.tenant }, from);
    const gen = this.fold(job, events);
    return closable(gen, () => events.return(undefined).then(() => undefined));
  }

  private async *fold(job: JobRecord, events: AsyncGenerator<JobEvent>): AsyncGenerator<JobRecord> {
    let current = job;
    yield current;
    for await (const e of events) {
      const next = applyPatch(current, foldEvent(undefined, e));
      const changed =
        next.status !== current.status ||
        next.progress !== current.progress ||
        next.attempts !== current.attempts;
      current = next;
      if (changed) yield current;
    }
  }
}

/**
 * An async generator suspended in `await` ignores return() until its next
 * value; a client that leaves must free its listener at once, so return()
 * and throw() run `stop` first, which ends whatever the generator awaits.
 */
function closable<T>(gen: AsyncGenerator<T>, stop: () => Promise<void>): AsyncGenerator<T> {
  const it = {
    next: () => gen.next(),
    return: async (value?: unknown) => {
      await stop();
      return gen.return(value as never);
    },
    throw: async (err?: unknown) => {
      await stop();
      return gen.throw(err);
    },
    [Symbol.asyncIterator]: () => it,
  };
  return it as unknown as AsyncGenerator<T>;
}
