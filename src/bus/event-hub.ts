import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { BusKeys } from './bus-keys';
import { eventFromEntry, eventFromMessage } from './event-emitter';
import type { JobEvent } from '../model/job-event';
import { compareStreamIds, isStreamId } from '../model/stream-id';

export type EventListener = (event: JobEvent) => void;

/**
 * One pub/sub connection per process, fanned out in memory. While the
 * connection is down, pushes are held back; when it is ready again, the gap is
 * refilled from the stream (XRANGE after the last id seen) before anything newer.
 */
export class EventHub {
  private readonly listeners = new Set<EventListener>();
  private sub?: Redis;
  private lastId: string | null = null;
  private refilling = false;
  private held: JobEvent[] = [];
  private refillRun: Promise<void> = Promise.resolve();

  constructor(
    private readonly redisUrl: string,
    /** Plain connection for XRANGE. */
    private readonly reader: Redis,
    private readonly keys: BusKeys,
    private readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    // The newest id at start is where "nothing missed" begins for this process.
    const last = await this.reader.xrevrange(this.keys.stream, '+', '-', 'COUNT', 1);
    this.lastId = last[0]?.[0] ?? null;
    const sub = new Redis(this.redisUrl, {
      maxRetriesPerRequest: null,
      connectionName: `${this.keys.stream.replace(/:events$/, '')}-hub`,
    });
    this.sub = sub;
    sub.on('message', (_channel: string, message: string) => this.onMessage(message));
    sub.on('close', () => {
      this.refilling = true;
    });
    sub.on('error', (err: Error) => this.log.warn({ err }, 'event hub connection error'));
    await new Promise<void>((resolve, reject) => {
      sub.once('ready', resolve);
      sub.once('end', () => reject(new Error('event hub could not connect to Redis')));
    });
    await sub.subscribe(this.keys.channel);
    sub.on('ready', () => {
      this.refillRun = this.refillRun.then(() => this.refill());
    });
  }

  /** Registers a listener for every event this process sees; returns the unsubscribe function. */
  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get size(): number {
    return this.listeners.size;
  }

  /** The id of the newest event delivered. */
  get cursor(): string | null {
    return this.lastId;
  }

  private onMessage(message: string): void {
    if (this.listeners.size === 0 && !this.refilling) {
      // Nobody listens here (a gateway's own submissions, say): keep the cursor, skip the parse.
      const id = message.slice(0, message.indexOf(' '));
      if (isStreamId(id) && (!this.lastId || compareStreamIds(id, this.lastId) > 0)) {
        this.lastId = id;
        return;
      }
    }
    let event: JobEvent;
    try {
      event = eventFromMessage(message);
    } catch (err) {
      this.log.error({ err, message }, 'unreadable event on the push channel');
      return;
    }
    if (this.refilling) this.held.push(event);
    else this.deliver(event);
  }

  private deliver(event: JobEvent): void {
    if (this.lastId && compareStreamIds(event.id, this.lastId) <= 0) return;
    this.lastId = event.id;
    for (const l of this.listeners) {
      try {
        l(event);
      } catch (err) {
        this.log.error({ err }, 'event listener threw');
      }
    }
  }

  private async refill(): Promise<void> {
    this.refilling = true;
    try {
      for (;;) {
        const start = this.lastId ? `(${this.lastId}` : '-';
        const entries = await this.reader.xrange(this.keys.stream, start, '+', 'COUNT', 1000);
        for (const [id, fields] of entries) this.deliver(eventFromEntry(id, fields));
        if (entries.length < 1000) break;
      }
      this.log.info({ lastId: this.lastId }, 'event hub reconnected; gap refilled from the stream');
    } catch (err) {
      this.log.error({ err }, 'event hub refill failed; will retry on next reconnect');
    } finally {
      this.refilling = false;
      const held = this.held;
      this.held = [];
      for (const e of held) this.deliver(e);
    }
  }

  async close(): Promise<void> {
    this.listeners.clear();
    await this.refillRun;
    if (this.sub) {
      this.sub.disconnect();
      this.sub = undefined;
    }
  }
}
