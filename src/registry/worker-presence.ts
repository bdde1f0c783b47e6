import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { JobTypeCatalog } from '../model/job-type';
import { WorkerStatus } from '../model/worker-info';
import type { WorkerHeartbeat, WorkerInfo } from '../model/worker-info';

/** Where worker presence lives and when a silent worker counts as lost. */
export interface WorkerPresenceOptions {
  redis: Redis;
  /** Redis key prefix; keys are `${prefix}:workers` and `${prefix}:workers:beats`. */
  prefix: string;
  log: Logger;
  /** A worker with no heartbeat for this long is LOST. @defaultValue 15000 */
  lostAfterMs?: number;
  /** A worker with no heartbeat for this long is dropped from the list. @defaultValue 3600000 */
  dropAfterMs?: number;
}

/**
 * Stores a heartbeat and the Redis server's time of it, and drops a few long-silent workers.
 * The time comes from Redis so that workers and gateways on hosts whose clocks differ agree.
 * KEYS: workers hash, beats sorted set. ARGV: id, heartbeat JSON, drop-after ms.
 */
const BEAT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[2], now, ARGV[1])
local old = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now - tonumber(ARGV[3]), 'LIMIT', 0, 100)
if #old > 0 then
  redis.call('HDEL', KEYS[1], unpack(old))
  redis.call('ZREM', KEYS[2], unpack(old))
end
return now
`;

/** A heartbeat as stored: dates as ISO strings. */
type StoredBeat = Omit<WorkerHeartbeat, 'startedAt'> & { startedAt: string };

/** Worker processes as their heartbeats in Redis describe them. */
export class WorkerPresence {
  private readonly hash: string;
  private readonly beats: string;
  readonly lostAfterMs: number;
  readonly dropAfterMs: number;

  constructor(private readonly o: WorkerPresenceOptions) {
    this.hash = `${o.prefix}:workers`;
    this.beats = `${o.prefix}:workers:beats`;
    this.lostAfterMs = o.lostAfterMs ?? 15_000;
    this.dropAfterMs = o.dropAfterMs ?? 3_600_000;
  }

  get log(): Logger {
    return this.o.log;
  }

  /** Records a heartbeat; returns its time (the Redis server's clock). */
  async beat(h: WorkerHeartbeat): Promise<Date> {
    const stored: StoredBeat = { ...h, startedAt: new Date(h.startedAt).toISOString() };
    const ms = await this.o.redis.eval(
      BEAT,
      2,
      this.hash,
      this.beats,
      h.id,
      JSON.stringify(stored),
      String(this.dropAfterMs),
    );
    return new Date(Number(ms));
  }

  /** Forgets a worker (after a graceful exit). */
  async remove(id: string): Promise<void> {
    await this.o.redis.multi().hdel(this.hash, id).zrem(this.beats, id).exec();
  }

  /** Heartbeats with their time and the Redis server's time now; long-silent ones are left out. */
  private async read(): Promise<{ beat: StoredBeat; at: number; status: WorkerStatus }[]> {
    const res = await this.o.redis
      .multi()
      .time()
      .hgetall(this.hash)
      .zrange(this.beats, 0, -1, 'WITHSCORES')
      .exec();
    if (!res) throw new Error('the worker presence read was aborted');
    for (const [err] of res) if (err) throw err;
    const [sec, micro] = res[0][1] as [string, string];
    const now = Number(sec) * 1000 + Math.floor(Number(micro) / 1000);
    const all = res[1][1] as Record<string, string>;
    const scores = res[2][1] as string[];
    const out: { beat: StoredBeat; at: number; status: WorkerStatus }[] = [];
    const gone: string[] = [];
    for (let i = 0; i < scores.length; i += 2) {
      const id = scores[i];
      const at = Number(scores[i + 1]);
      const text = all[id];
      if (!text || now - at > this.dropAfterMs) {
        gone.push(id);
        continue;
      }
      let beat: StoredBeat;
      try {
        beat = JSON.parse(text) as StoredBeat;
      } catch {
        this.o.log.warn({ id }, 'unreadable worker heartbeat; dropping it');
        gone.push(id);
        continue;
      }
      const status =
        now - at > this.lostAfterMs
          ? WorkerStatus.LOST
          : beat.stopping
            ? WorkerStatus.STOPPING
            : WorkerStatus.ACTIVE;
      out.push({ beat, at, status });
    }
    if (gone.length)
      await this.o.redis
        .multi()
        .hdel(this.hash, ...gone)
        .zrem(this.beats, ...gone)
        .exec();
    return out;
  }

  /**
   * Every worker heard from within `dropAfterMs`: live ones first, then by host and pid. A
   * served type is in `jobTypes` when its version is the catalog's current one, otherwise
   * (another version, or a type the catalog no longer has) in `outdatedJobTypes`.
   */
  async list(catalog: JobTypeCatalog): Promise<WorkerInfo[]> {
    const rank: Record<WorkerStatus, number> = {
      [WorkerStatus.ACTIVE]: 0,
      [WorkerStatus.STOPPING]: 1,
      [WorkerStatus.LOST]: 2,
    };
    return (await this.read())
      .map(({ beat, at, status }): WorkerInfo => {
        const names = Object.keys(beat.types ?? {}).sort();
        const current = (n: string): boolean => catalog.find(n)?.version === beat.types[n];
        return {
          id: beat.id,
          host: beat.host,
          pid: beat.pid,
          lanes: beat.lanes ?? [],
          queues: beat.queues ?? [],
          jobTypes: names.filter(current),
          outdatedJobTypes: names.filter((n) => !current(n)),
          concurrency: beat.concurrency,
          activeJobs: beat.activeJobs,
          startedAt: new Date(beat.startedAt),
          lastHeartbeatAt: new Date(at),
          status,
        };
      })
      .sort(
        (a, b) =>
          rank[a.status] - rank[b.status] ||
          a.host.localeCompare(b.host) ||
          a.pid - b.pid ||
          a.id.localeCompare(b.id),
      );
  }

  /** Workers not LOST that serve each type, whatever version they run. */
  async liveCountByType(): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    for (const { beat, status } of await this.read()) {
      if (status === WorkerStatus.LOST) continue;
      for (const name of Object.keys(beat.types ?? {}))
        counts.set(name, (counts.get(name) ?? 0) + 1);
    }
    return counts;
  }
}

/** A running heartbeat. */
export interface Heartbeat {
  /** Stops the timer and waits for a beat under way. */
  stop(): Promise<void>;
  /** Beats at once (a change worth telling, such as STOPPING); a failure is thrown. */
  beatNow(): Promise<void>;
}

const delay = <T>(ms: number, value: T): { done: Promise<T>; cancel(): void } => {
  let t: NodeJS.Timeout | undefined;
  const done = new Promise<T>((resolve) => {
    t = setTimeout(() => resolve(value), ms);
  });
  return { done, cancel: () => clearTimeout(t) };
};

/**
 * Beats `snapshot()` every `everyMs`. A failed beat (Redis down) is logged and the next tick
 * tries again, so a worker that loses Redis shows up again once it returns. A beat that hangs
 * (commands queued while disconnected) holds up neither the ticks after it nor `stop()` for
 * longer than `everyMs`.
 */
export function startHeartbeat(
  presence: WorkerPresence,
  snapshot: () => WorkerHeartbeat,
  everyMs = 5000,
): Heartbeat {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let inFlight: Promise<unknown> = Promise.resolve();
  let failing = false;

  const beatNow = async (): Promise<void> => {
    const p = presence.beat(snapshot());
    inFlight = p.catch(() => undefined);
    await p;
  };

  const tick = async (): Promise<void> => {
    const started = Date.now();
    const slow = delay(everyMs, 'slow' as const);
    try {
      const outcome = await Promise.race([beatNow().then(() => 'ok' as const), slow.done]);
      if (outcome === 'slow') {
        if (!failing) presence.log.warn({ everyMs }, 'worker heartbeat not answered; trying again');
        failing = true;
      } else if (failing) {
        presence.log.info('worker heartbeat answered again');
        failing = false;
      }
    } catch (err) {
      if (!failing) presence.log.warn({ err }, 'worker heartbeat failed; trying again');
      failing = true;
    } finally {
      slow.cancel();
    }
    if (!stopped)
      timer = setTimeout(() => void tick(), Math.max(0, everyMs - (Date.now() - started)));
  };
  void tick();

  return {
    beatNow,
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      const limit = delay(everyMs, undefined);
      await Promise.race([inFlight, limit.done]);
      limit.cancel();
    },
  };
}
