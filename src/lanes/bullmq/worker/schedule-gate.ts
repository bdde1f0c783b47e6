import type { Redis } from 'ioredis';
import { OverlapPolicy } from '../../../model/schedule';

/** What a scheduled BullMQ run does when it starts. */
export type Admission =
  | { kind: 'run'; release(): Promise<void> }
  /** Dropped: another run of the schedule is running (SKIP, or BUFFER_ONE with one buffered). */
  | { kind: 'skip' }
  /** The one buffered run (BUFFER_ONE): put back, to start when the running one ends. */
  | { kind: 'wait' };

/** Deletes the key only while it still holds this run's id. */
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

/**
 * One scheduled (not triggered) run of a SKIP or BUFFER_ONE schedule asks to start, in one
 * step. KEYS: running, buffered. ARGV: the run's id, the keys' TTL in ms, the policy.
 * - The running key holds this run (a stalled attempt put back, or a slot handed to it as the
 *   buffered run): run.
 * - The running key is free and no other run is buffered: take it and run.
 * - The running key is free but another run is buffered (the running one ended and the
 *   buffered one has not looked again yet): the buffered run goes first, as Temporal starts
 *   it the moment the running one ends. The slot is handed to it, and this run becomes the
 *   buffered one (BUFFER_ONE) or is dropped (SKIP cannot have a buffered run).
 * - The running key is held by another: BUFFER_ONE buffers this run when none is buffered
 *   (or it is already the buffered one); otherwise the run is dropped.
 */
const ADMIT = `
local running = redis.call('GET', KEYS[1])
local buffered = redis.call('GET', KEYS[2])
if running == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  if buffered == ARGV[1] then redis.call('DEL', KEYS[2]) end
  return 'run'
end
if not running then
  if buffered and buffered ~= ARGV[1] then
    redis.call('SET', KEYS[1], buffered, 'PX', ARGV[2])
    if ARGV[3] ~= 'BUFFER_ONE' then
      redis.call('DEL', KEYS[2])
      return 'skip'
    end
    redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2])
    return 'wait'
  end
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  if buffered == ARGV[1] then redis.call('DEL', KEYS[2]) end
  return 'run'
end
if ARGV[3] ~= 'BUFFER_ONE' then return 'skip' end
if not buffered then
  redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2])
  return 'wait'
end
if buffered == ARGV[1] then
  redis.call('PEXPIRE', KEYS[2], ARGV[2])
  return 'wait'
end
return 'skip'
`;

/**
 * The overlap policies BullMQ lacks, decided when a run starts: a run of a SKIP or BUFFER_ONE
 * schedule takes the schedule's "running" key (with a TTL, so a dead worker's key goes away
 * on its own) and gives it back when its attempt ends. A run that finds the key taken is
 * dropped (SKIP), or, for BUFFER_ONE, becomes the schedule's one buffered run (a second key)
 * and waits in BullMQ's delayed set, or is dropped when another is buffered already. When the
 * running one ends, the buffered run is the next to start, even when a newly due run asks
 * first (see ADMIT). Each decision is one script, so two workers never both win. ALLOW_ALL
 * takes no key. A triggered run always runs; it holds the key when it is free, so scheduled
 * runs see it as running.
 */
export class ScheduleGate {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private key(scheduleId: string, what: 'running' | 'buffered'): string {
    return `${this.prefix}:schedule:${scheduleId}:${what}`;
  }

  async admit(
    jobId: string,
    scheduleId: string,
    overlap: OverlapPolicy | undefined,
    trigger: boolean,
    holdMs: number,
  ): Promise<Admission> {
    if (overlap === OverlapPolicy.ALLOW_ALL && !trigger)
      return { kind: 'run', release: async () => {} };
    const running = this.key(scheduleId, 'running');
    const release = async (): Promise<void> => {
      await this.redis.eval(RELEASE, 1, running, jobId);
    };
    if (trigger) {
      // It holds the key when it takes it, or holds it already (a stalled attempt put back).
      const holds =
        (await this.redis.set(running, jobId, 'PX', holdMs, 'NX')) === 'OK' ||
        (await this.redis.get(running)) === jobId;
      return { kind: 'run', release: holds ? release : async () => {} };
    }
    const policy = overlap === OverlapPolicy.BUFFER_ONE ? 'BUFFER_ONE' : 'SKIP';
    const buffered = this.key(scheduleId, 'buffered');
    const decision = await this.redis.eval(ADMIT, 2, running, buffered, jobId, holdMs, policy);
    if (decision === 'run') return { kind: 'run', release };
    return { kind: decision === 'wait' ? 'wait' : 'skip' };
  }
}
