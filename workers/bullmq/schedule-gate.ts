import type { Redis } from 'ioredis';
import { OverlapPolicy } from '../../src/model/schedule';

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
 * The overlap policies BullMQ lacks, decided when a run starts: a run of a SKIP or BUFFER_ONE
 * schedule takes the schedule's "running" key (SET NX, with a TTL so a dead worker's key
 * goes away on its own) and gives it back when its attempt ends. A run that finds the key
 * taken is dropped (SKIP), or, for BUFFER_ONE, becomes the schedule's one buffered run (a
 * second key, SET NX) and waits in BullMQ's delayed set, or is dropped when another is
 * buffered already. ALLOW_ALL takes no key. A triggered run always runs; it holds the key
 * when it is free, so scheduled runs see it as running.
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
    const took = await this.redis.set(running, jobId, 'PX', holdMs, 'NX');
    // The same run again (a stalled attempt BullMQ put back): it still holds the key.
    if (took === 'OK' || (await this.redis.get(running)) === jobId) {
      await this.redis.eval(RELEASE, 1, this.key(scheduleId, 'buffered'), jobId);
      return { kind: 'run', release };
    }
    if (trigger) return { kind: 'run', release: async () => {} };
    if (overlap !== OverlapPolicy.BUFFER_ONE) return { kind: 'skip' };
    const buffered = this.key(scheduleId, 'buffered');
    if ((await this.redis.set(buffered, jobId, 'PX', holdMs, 'NX')) === 'OK')
      return { kind: 'wait' };
    if ((await this.redis.get(buffered)) !== jobId) return { kind: 'skip' };
    await this.redis.pexpire(buffered, holdMs);
    return { kind: 'wait' };
  }
}
