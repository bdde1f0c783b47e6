import type { Redis } from 'ioredis';
import type { FlowControl, FlowKeys } from '../model/flow-control';
import { gateKey } from './flow-gate-keys';

/**
 * Admits one start, in one step. KEYS: the key's slots (a sorted set of holders, scored by
 * when their lease ends), its parked jobs (a list, oldest first), its recent starts (a sorted
 * set scored by start time). ARGV: job id, concurrency limit (0: none), lease ms, rate max
 * (0: none), rate window ms, park (1: a job refused a slot joins the parked list), the start's
 * name in the rate set (id and attempt, so a stalled attempt run again is not counted twice).
 * Returns {0} to run, {1, ms} to wait for the rate window, {2} when every slot is taken.
 * The time is Redis's, the same for every worker.
 */
const ADMIT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local id, limit, lease = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local max, per = tonumber(ARGV[4]), tonumber(ARGV[5])
if limit > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
  if not redis.call('ZSCORE', KEYS[1], id) and redis.call('ZCARD', KEYS[1]) >= limit then
    if ARGV[6] == '1' then
      redis.call('RPUSH', KEYS[2], id)
      redis.call('PEXPIRE', KEYS[2], 86400000)
    end
    return {2, 0}
  end
end
if max > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now - per)
  if not redis.call('ZSCORE', KEYS[3], ARGV[7]) then
    if redis.call('ZCARD', KEYS[3]) >= max then
      local oldest = redis.call('ZRANGE', KEYS[3], 0, 0, 'WITHSCORES')
      return {1, math.max(1, tonumber(oldest[2]) + per - now)}
    end
    redis.call('ZADD', KEYS[3], now, ARGV[7])
    redis.call('PEXPIRE', KEYS[3], per)
  end
end
if limit > 0 then
  redis.call('ZADD', KEYS[1], now + lease, id)
  if redis.call('PTTL', KEYS[1]) < lease then redis.call('PEXPIRE', KEYS[1], lease) end
end
return {0, 0}
`;

/**
 * Gives a slot back (ARGV[1] the holder; empty to give none) and, when a slot is free, takes
 * the oldest parked job off the list, for the caller to wake. KEYS: slots, parked. ARGV:
 * holder, limit.
 */
const RELEASE = `
if ARGV[1] ~= '' then redis.call('ZREM', KEYS[1], ARGV[1]) end
local t = redis.call('TIME')
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', tonumber(t[1]) * 1000)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[2]) then return redis.call('LPOP', KEYS[2]) end
return false
`;

/** Whether a start goes ahead, and what it must do when it ends. */
export type Admission =
  | { kind: 'run' }
  /** The key's rate window is full: start again in `ms`. */
  | { kind: 'rate'; ms: number }
  /** Every slot of the key is taken; a parked start is woken by the release that frees one. */
  | { kind: 'full' };

/** One start of a job, as the gate sees it. */
export interface GateJob {
  id: string;
  tenant: string;
  type: string;
  attempt: number;
  keys: FlowKeys | null | undefined;
}

/**
 * The per-key concurrency and rate limits the engines lack (BullMQ without Pro has no groups,
 * Temporal no per-key limits), decided when an attempt starts, in one Redis script each way:
 * a start takes one of its key's `limit` slots (a lease that ends on its own should its
 * worker die) and one of `max` places in its key's sliding window of `perMs`. The engine does
 * the waiting: BullMQ keeps a refused job in its delayed set, Temporal retries the admitting
 * activity after the delay the gate gives. Keys are scoped by tenant and type (see gateKey).
 */
export class FlowGate {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private keysOf(j: GateJob): [string, string, string] {
    const c = j.keys?.concurrency ?? '';
    const r = j.keys?.rateLimit ?? '';
    return [
      gateKey(this.prefix, 'slots', 'concurrency', j.tenant, j.type, c),
      gateKey(this.prefix, 'parked', 'concurrency', j.tenant, j.type, c),
      gateKey(this.prefix, 'rate', 'rateLimit', j.tenant, j.type, r),
    ];
  }

  /** Whether the type limits starts per key, and this job has the keys to be limited by. */
  static limits(fc: FlowControl | undefined, keys: FlowKeys | null | undefined): boolean {
    return (
      (!!fc?.concurrency && keys?.concurrency !== undefined) ||
      (!!fc?.rateLimit && keys?.rateLimit !== undefined)
    );
  }

  /**
   * Asks to start `j`. `leaseMs` bounds how long its slot is held should it never be given
   * back; `park` puts a start refused a slot on the key's parked list (see release).
   */
  async admit(fc: FlowControl, j: GateJob, leaseMs: number, park: boolean): Promise<Admission> {
    const limit = j.keys?.concurrency !== undefined ? (fc.concurrency?.limit ?? 0) : 0;
    const rate = j.keys?.rateLimit !== undefined ? fc.rateLimit : undefined;
    const [slots, parked, starts] = this.keysOf(j);
    const [kind, ms] = (await this.redis.eval(
      ADMIT,
      3,
      slots,
      parked,
      starts,
      j.id,
      limit,
      Math.max(1, Math.ceil(leaseMs)),
      rate?.max ?? 0,
      rate?.perMs ?? 0,
      park ? 1 : 0,
      `${j.id}:${j.attempt}`,
    )) as [number, number];
    if (kind === 0) return { kind: 'run' };
    return kind === 1 ? { kind: 'rate', ms } : { kind: 'full' };
  }

  /**
   * Gives `j`'s slot back (`holds`: false when it took none) and returns the parked job to wake
   * now that a slot is free, if any.
   */
  async release(fc: FlowControl, j: GateJob, holds = true): Promise<string | null> {
    if (!fc.concurrency || j.keys?.concurrency === undefined) return null;
    const [slots, parked] = this.keysOf(j);
    const next = await this.redis.eval(
      RELEASE,
      2,
      slots,
      parked,
      holds ? j.id : '',
      fc.concurrency.limit,
    );
    return typeof next === 'string' ? next : null;
  }
}
