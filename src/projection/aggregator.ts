import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import { foldEvent } from '../model/status-model';
import type { JobPatch } from '../model/status-model';
import type { EventStore } from '../store/event-store';
import type { JobStore } from '../store/job-store';
import type { BusKeys } from '../bus/bus-keys';
import { eventFromEntry } from '../bus/event-emitter';
import type { JobEvent } from '../model/job-event';
import { writeBisecting } from '../store/refusal';
import { RefusedRecordStore } from '../store/refused-record-store';

export interface AggregatorOptions {
  /** Events per Postgres transaction. @defaultValue 500 */
  batchSize?: number;
  /** Consumer name in the group; keep it stable across restarts so own pending entries are read first. @defaultValue hostname */
  consumer?: string;
  /** Entries pending this long on another consumer are claimed, ms. @defaultValue 30000 */
  claimIdleMs?: number;
  /** Longest XREADGROUP block, ms. @defaultValue 1000 */
  blockMs?: number;
  /** Called after each committed batch (metrics). */
  onBatch?: (size: number) => void;
  /** Called with the number of entries of a batch kept in `refused_records` instead (metrics). */
  onRefused?: (count: number) => void;
}

/** One stream entry, read and parsed. */
interface Entry {
  id: string;
  fields: string[];
  event: JobEvent;
}

/** The entry's event as the stream holds it (its JSON text), or every field when it is not one. */
const rawOf = (fields: string[]): string =>
  fields.length === 2 && fields[0] === 'e' ? fields[1] : JSON.stringify(fields);

type StreamReply = [string, [string, string[]][]][] | null;

/**
 * Reads the event stream with a consumer group and writes each batch (events
 * and job rows) to Postgres in one transaction; XACKs only after the commit.
 */
export class Aggregator {
  private running = false;
  private loop?: Promise<void>;
  private readonly batchSize: number;
  private readonly consumer: string;
  private readonly refused: RefusedRecordStore;

  constructor(
    /** A connection of its own: XREADGROUP BLOCK holds it. */
    private readonly redis: Redis,
    private readonly keys: BusKeys,
    private readonly ds: DataSource,
    private readonly jobs: JobStore,
    private readonly events: EventStore,
    private readonly log: Logger,
    private readonly opts: AggregatorOptions = {},
  ) {
    this.batchSize = opts.batchSize ?? 500;
    this.consumer = opts.consumer ?? `aggregator-${hostname()}`;
    this.refused = new RefusedRecordStore(ds);
  }

  async start(): Promise<void> {
    try {
      await this.redis.xgroup('CREATE', this.keys.stream, this.keys.group, '0', 'MKSTREAM');
    } catch (err) {
      if (!String((err as Error).message).includes('BUSYGROUP')) throw err;
    }
    this.running = true;
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    // Own pending entries first (left by a crash of this consumer), then new ones.
    let ownPending = true;
    let lastClaim = 0;
    while (this.running) {
      try {
        let entries: [string, string[]][] = [];
        if (ownPending) {
          entries = await this.read('0', 0);
          if (entries.length === 0) ownPending = false;
        } else if (Date.now() - lastClaim > 5000) {
          lastClaim = Date.now();
          entries = await this.claim();
        }
        if (entries.length === 0 && !ownPending)
          entries = await this.read('>', this.opts.blockMs ?? 1000);
        if (entries.length) await this.persist(entries);
      } catch (err) {
        if (!this.running) break;
        this.log.error({ err }, 'aggregator batch failed; retrying');
        ownPending = true;
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  }

  private async read(from: string, blockMs: number): Promise<[string, string[]][]> {
    const args: (string | number)[] = [
      'GROUP',
      this.keys.group,
      this.consumer,
      'COUNT',
      this.batchSize,
    ];
    if (blockMs > 0) args.push('BLOCK', blockMs);
    args.push('STREAMS', this.keys.stream, from);
    const reply = (await this.redis.call('XREADGROUP', ...args)) as StreamReply;
    return reply?.[0]?.[1] ?? [];
  }

  private async claim(): Promise<[string, string[]][]> {
    const reply = (await this.redis.call(
      'XAUTOCLAIM',
      this.keys.stream,
      this.keys.group,
      this.consumer,
      this.opts.claimIdleMs ?? 30_000,
      '0-0',
      'COUNT',
      this.batchSize,
    )) as [string, [string, string[] | null][]];
    // Entries trimmed from the stream come back with null fields: ack them, nothing to store.
    const live = reply[1].filter((e): e is [string, string[]] => e[1] !== null);
    const gone = reply[1].filter((e) => e[1] === null).map((e) => e[0]);
    if (gone.length) await this.redis.xack(this.keys.stream, this.keys.group, ...gone);
    return live;
  }

  /**
   * Stores a batch and XACKs it. When Postgres refuses the batch for what it holds, the batch
   * is split until the refused entries stand alone; those go to `refused_records`, the rest is
   * stored, and the whole batch is acknowledged: one bad event never holds up the others.
   * Any other error (Postgres down) propagates, and the batch is read again and retried whole.
   */
  private async persist(raw: [string, string[]][]): Promise<void> {
    const entries: Entry[] = [];
    let refused = 0;
    for (const [id, fields] of raw) {
      try {
        entries.push({ id, fields, event: eventFromEntry(id, fields) });
      } catch (err) {
        this.log.error({ err, id }, 'unreadable stream entry; kept in refused_records');
        await this.refused.add('aggregator', id, null, rawOf(fields), err);
        refused++;
      }
    }
    refused += await writeBisecting(
      entries,
      (part) => this.store(part.map((e) => e.event)),
      async (e, err) => {
        const tenant = typeof e.event.tenant === 'string' ? e.event.tenant : null;
        this.log.error(
          { err, id: e.id, tenant, jobId: e.event.jobId },
          'event refused by Postgres; kept in refused_records',
        );
        await this.refused.add('aggregator', e.id, tenant, rawOf(e.fields), err);
      },
    );
    await this.redis.xack(this.keys.stream, this.keys.group, ...raw.map((e) => e[0]));
    this.opts.onBatch?.(raw.length);
    if (refused) this.opts.onRefused?.(refused);
  }

  /** Events and the job rows they move, in one transaction. */
  private async store(events: JobEvent[]): Promise<void> {
    const patches = new Map<string, JobPatch>();
    for (const e of events) patches.set(e.jobId, foldEvent(patches.get(e.jobId), e));
    await this.ds.transaction(async (m) => {
      await this.events.insert(events, m);
      await this.jobs.applyPatches(patches, m);
    });
  }

  /** Entries not yet stored: pending plus not yet delivered to the group (Redis 7 `lag`). */
  lag(): Promise<number> {
    return streamLag(this.redis, this.keys);
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }
}

/** Stream entries the aggregators have not stored yet: pending plus not yet delivered to the group (Redis 7 `lag`). */
export async function streamLag(redis: Redis, keys: BusKeys): Promise<number> {
  let groups: unknown[][];
  try {
    groups = (await redis.call('XINFO', 'GROUPS', keys.stream)) as unknown[][];
  } catch (err) {
    // No stream yet: nothing to persist.
    if (String((err as Error).message).includes('no such key')) return 0;
    throw err;
  }
  for (const g of groups) {
    const o: Record<string, unknown> = {};
    for (let i = 0; i < g.length; i += 2) o[String(g[i])] = g[i + 1];
    if (o.name === keys.group) return Number(o.pending ?? 0) + Number(o.lag ?? 0);
  }
  // No group yet (no aggregator has started): every entry is unpersisted.
  return redis.xlen(keys.stream);
}
