import { randomUUID } from 'node:crypto';
import { Coalescer } from '../coalescer';
import type { ChainableCommander, Redis } from 'ioredis';
import type { BusKeys } from './bus-keys';
import type { JobEvent, NewJobEvent } from '../model/job-event';

/**
 * Appends events to the stream and publishes each with its stream id, in one
 * atomic script, so the push order is the log order. Each call carries a
 * token (KEYS[3]): when the reply is lost and the client sends the same call
 * again after reconnecting, the script returns the ids of the first run
 * instead of appending the events twice. Tokens expire after ARGV[2] seconds.
 */
const EMIT_LUA = `
local seen = redis.call('GET', KEYS[3])
if seen then return cjson.decode(seen) end
local ids = {}
for i = 3, #ARGV do
  local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 'e', ARGV[i])
  redis.call('PUBLISH', KEYS[2], id .. ' ' .. ARGV[i])
  ids[#ids + 1] = id
end
redis.call('SET', KEYS[3], cjson.encode(ids), 'EX', ARGV[2])
return ids
`;

/**
 * EMIT_LUA for events of jobs an engine holds: KEYS[3 + i] is the engine's key of the i-th
 * event's job, and an event whose key does not exist is left out (its id is false). Queued in
 * the MULTI that adds the jobs, right after the adds, it emits QUEUED exactly for the jobs the
 * adds stored, even when one add fails inside the transaction (Redis runs the rest of a MULTI).
 */
const EMIT_HELD_LUA = `
local seen = redis.call('GET', KEYS[3])
if seen then return cjson.decode(seen) end
local ids = {}
for i = 3, #ARGV do
  if redis.call('EXISTS', KEYS[i + 1]) == 1 then
    local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 'e', ARGV[i])
    redis.call('PUBLISH', KEYS[2], id .. ' ' .. ARGV[i])
    ids[#ids + 1] = id
  else
    ids[#ids + 1] = false
  end
end
redis.call('SET', KEYS[3], cjson.encode(ids), 'EX', ARGV[2])
return ids
`;

/**
 * How long a call's token is remembered, s. A client resends an unanswered
 * call as soon as it has reconnected, within seconds; each token is a small
 * key, so at a thousand calls a second this keeps about 120,000 of them.
 */
const TOKEN_TTL_SECONDS = 120;

type EmitCapable = Redis & {
  jobgateEmit(
    stream: string,
    channel: string,
    token: string,
    maxLen: number,
    ttlSeconds: number,
    ...events: string[]
  ): Promise<string[]>;
  jobgateEmitHeld(numberOfKeys: number, ...keysAndArgs: (string | number)[]): Promise<unknown>;
};

/** Writes events to the bus. Safe to share; one per process is enough. */
export class BusEmitter {
  private readonly redis: EmitCapable;
  /** The connection it emits on; other small commands of the same process may share it. */
  readonly connection: Redis;

  constructor(
    redis: Redis,
    private readonly keys: BusKeys,
    private readonly maxLen: number,
  ) {
    if (!('jobgateEmit' in redis))
      redis.defineCommand('jobgateEmit', { numberOfKeys: 3, lua: EMIT_LUA });
    if (!('jobgateEmitHeld' in redis))
      redis.defineCommand('jobgateEmitHeld', { lua: EMIT_HELD_LUA });
    this.redis = redis as EmitCapable;
    this.connection = redis;
  }

  /** Emits made in one turn of the event loop share one script call (see Coalescer). */
  private readonly rounds = new Coalescer<NewJobEvent, JobEvent>((events) => this.send(events), {
    max: 500,
  });

  /** Emits events in the given order and returns them with their ids. */
  emit(events: NewJobEvent[]): Promise<JobEvent[]> {
    if (events.length === 0) return Promise.resolve([]);
    const now = new Date().toISOString();
    return this.rounds.submit(events.map((e) => ({ ...e, timestamp: e.timestamp ?? now })));
  }

  private async send(events: NewJobEvent[]): Promise<JobEvent[]> {
    const ids = await this.redis.jobgateEmit(...this.args(events));
    return events.map((e, i) => ({ ...e, id: ids[i] }) as JobEvent);
  }

  /**
   * Queues the emit of `events` on `tx`, a MULTI of this emitter's connection, after the
   * transaction's adds of their jobs: `heldKeys[i]` is the engine's key of `events[i]`'s job,
   * and only the events whose key exists then are emitted. Call the returned function with the
   * emit's reply (its entry in `exec()`'s results) to get the emitted events with their ids.
   */
  emitHeldIn(
    tx: ChainableCommander,
    events: NewJobEvent[],
    heldKeys: string[],
  ): (ids: unknown) => JobEvent[] {
    const now = new Date().toISOString();
    const stamped = events.map((e) => ({ ...e, timestamp: e.timestamp ?? now }));
    const [stream, channel, token, ...args] = this.args(stamped);
    void (tx as unknown as EmitCapable).jobgateEmitHeld(
      3 + heldKeys.length,
      stream,
      channel,
      token,
      ...heldKeys,
      ...args,
    );
    return (ids) =>
      stamped.flatMap((e, i) => {
        const id = (ids as (string | null)[])[i];
        return id ? [{ ...e, id } as JobEvent] : [];
      });
  }

  private args(events: NewJobEvent[]): Parameters<EmitCapable['jobgateEmit']> {
    return [
      this.keys.stream,
      this.keys.channel,
      `${this.keys.stream}:emitted:${randomUUID()}`,
      this.maxLen,
      TOKEN_TTL_SECONDS,
      ...events.map((e) => JSON.stringify(e)),
    ];
  }

  async emitOne(event: NewJobEvent): Promise<JobEvent> {
    const [e] = await this.emit([event]);
    return e;
  }
}

/** Parses one stream entry's fields (`['e', json]`) into an event. */
export function eventFromEntry(id: string, fields: string[]): JobEvent {
  const i = fields.indexOf('e');
  return { ...(JSON.parse(fields[i + 1]) as Omit<JobEvent, 'id'>), id };
}

/** Parses one pub/sub message (`<id> <json>`). */
export function eventFromMessage(message: string): JobEvent {
  const sp = message.indexOf(' ');
  return {
    ...(JSON.parse(message.slice(sp + 1)) as Omit<JobEvent, 'id'>),
    id: message.slice(0, sp),
  };
}
