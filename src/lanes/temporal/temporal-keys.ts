import type { Redis } from 'ioredis';
import type { FlowControl, FlowKeys } from '../../model/flow-control';
import type { JobRecord } from '../../model/job-record';
import { gateKey } from '../flow-gate-keys';

/** Takes a deduplication key for a job, or answers the job that holds it. KEYS: the key. ARGV: job id, TTL ms. */
const DEDUPLICATE = `
if redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2], 'NX') then return false end
return redis.call('GET', KEYS[1])
`;

/**
 * Makes a job the one its debounce key waits for (KEYS: the key; ARGV: job id, TTL ms), and
 * answers the job it replaces: the one the key waited for, unless that one has started
 * (`run:<id>`, see CLAIM).
 */
const DEBOUNCE = `
local prev = redis.call('GET', KEYS[1])
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
if prev and string.sub(prev, 1, 4) ~= 'run:' and prev ~= ARGV[1] then return prev end
return false
`;

/**
 * A debounced job whose wait is over claims its key (KEYS: the key; ARGV: job id): it runs
 * when the key still waits for it (or has expired), and the key then says it started.
 * Answers '' to run, or the id of the job that replaced it.
 */
const CLAIM = `
local v = redis.call('GET', KEYS[1])
if not v or v == ARGV[1] or v == 'run:' .. ARGV[1] then
  if v then redis.call('SET', KEYS[1], 'run:' .. ARGV[1], 'KEEPTTL') end
  return ''
end
return v
`;

/** Deletes a key while it still names the job. KEYS: the key. ARGV: job id. */
const FORGET = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

/** How long a debounce key outlives the wait it was set for, so a late worker still finds it, ms. */
const DEBOUNCE_KEPT_MS = 24 * 3_600_000;

/**
 * Deduplication and debounce of TEMPORAL jobs. A workflow id is its job's id, so Temporal's
 * id conflict policies cannot join two jobs of one key; these keys in Redis do, as BullMQ's
 * own deduplication keys do on the other lane. The wait itself is Temporal's (the start
 * delay), and a replaced job ends CANCELLED when its wait is over, without running.
 */
export class TemporalKeys {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private key(kind: 'dedup' | 'debounce', j: { tenant: string; type: string }, value: string) {
    return gateKey(
      this.prefix,
      kind,
      kind === 'dedup' ? 'deduplicate' : 'debounce',
      j.tenant,
      j.type,
      value,
    );
  }

  /**
   * The job an earlier submission of `job`'s deduplication key made, which `job` joins; null
   * when `job` takes the key. Without a TTL, the key lasts until the job ends (`holdMs` at most).
   */
  async joins(job: JobRecord, fc: FlowControl, holdMs: number): Promise<string | null> {
    const value = job.flowKeys?.deduplicate;
    if (!fc.deduplicate || value === undefined) return null;
    const ttl = fc.deduplicate.ttlMs ?? holdMs;
    const holder = await this.redis.eval(
      DEDUPLICATE,
      1,
      this.key('dedup', job, value),
      job.id,
      ttl,
    );
    return typeof holder === 'string' && holder !== job.id ? holder : null;
  }

  /** Makes `job` the one its debounce key waits for; the job it replaces, if any. */
  async replaces(job: JobRecord, fc: FlowControl): Promise<string | null> {
    const value = job.flowKeys?.debounce;
    if (!fc.debounce || value === undefined) return null;
    const ttl = (job.delayMs ?? fc.debounce.ms) + DEBOUNCE_KEPT_MS;
    const prev = await this.redis.eval(DEBOUNCE, 1, this.key('debounce', job, value), job.id, ttl);
    return typeof prev === 'string' ? prev : null;
  }

  /** Claims the debounce key of a job whose wait is over: null to run, else the job that replaced it. */
  async claim(
    j: { id: string; tenant: string; type: string },
    fc: FlowControl,
    keys: FlowKeys,
  ): Promise<string | null> {
    if (!fc.debounce || keys.debounce === undefined) return null;
    const v = await this.redis.eval(CLAIM, 1, this.key('debounce', j, keys.debounce), j.id);
    return typeof v === 'string' && v !== '' ? v.replace(/^run:/, '') : null;
  }

  /** Frees a deduplication key without a TTL once its job has ended. */
  async forget(j: { id: string; tenant: string; type: string }, fc: FlowControl, keys: FlowKeys) {
    if (!fc.deduplicate || fc.deduplicate.ttlMs || keys.deduplicate === undefined) return;
    await this.redis.eval(FORGET, 1, this.key('dedup', j, keys.deduplicate), j.id);
  }
}
