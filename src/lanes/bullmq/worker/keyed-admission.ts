import { DelayedError, Job as BullJob } from 'bullmq';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { BullmqJobData } from '../bullmq-job-data';
import type { FlowControl } from '../../../model/flow-control';
import { FlowGate } from '../../flow-gate';
import type { GateJob } from '../../flow-gate';
import { fairName } from '../../flow-gate-keys';
import { startedAttempt } from './job-attempts';

/** How long a job refused a slot waits in BullMQ's delayed set should no release wake it, ms. */
export const PARK_MS = 30_000;

/** A slot outlives its attempt's timeout by this much before it ends on its own, ms. */
const LEASE_GRACE_MS = 30_000;

/** Wakes tried per release: a parked job that is gone (cancelled, woken already) passes its turn on. */
const WAKE_TRIES = 5;

/** Lowers a key's count of waiting jobs, never below 0. */
const LEAVE = `local n = redis.call('DECR', KEYS[1]) if n < 0 then redis.call('SET', KEYS[1], 0, 'KEEPTTL') end return n`;

const NONE = async (): Promise<void> => {};

/**
 * Per-key limits of BullMQ jobs, when an attempt starts (see FlowGate). A job over its key's
 * rate waits in BullMQ's delayed set until the window has room; one refused a slot is parked
 * there and woken (promoted) by the release that frees one, with PARK_MS as the backstop. Its
 * first start also takes it out of its key's count of waiting jobs, which fair priorities read
 * (see fairPriority).
 */
export class KeyedAdmission {
  private readonly gate: FlowGate;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly queueOf: (name: string) => Queue,
    private readonly log: Logger,
  ) {
    this.gate = new FlowGate(redis, prefix);
  }

  private gateJob(job: BullJob<BullmqJobData>): GateJob {
    return {
      id: job.id as string,
      tenant: job.data.tenant,
      type: job.name,
      attempt: startedAttempt(job),
      keys: job.data.keys,
    };
  }

  /**
   * Resolves to the release to call when the attempt ends; throws DelayedError once the job
   * is back in the delayed set to wait its turn.
   */
  async admit(
    job: BullJob<BullmqJobData>,
    fc: FlowControl,
    timeoutMs: number,
    token: string | undefined,
  ): Promise<() => Promise<void>> {
    const keys = job.data.keys;
    if (!keys) return NONE;
    const fair = fairName(fc, keys, job.data.tenant, job.name);
    if (fair && (job.attemptsStarted ?? 0) <= 1)
      await this.redis.eval(LEAVE, 1, `${this.prefix}:fc:fair:${fair}`);
    if (!FlowGate.limits(fc, keys)) return NONE;
    const j = this.gateJob(job);
    const admission = await this.gate.admit(fc, j, timeoutMs + LEASE_GRACE_MS, true);
    if (admission.kind === 'run') return () => this.release(job, fc, j, true);
    // Counted, so that the attempt numbers leave out the starts that only waited.
    await job.updateData({ ...job.data, deferrals: (job.data.deferrals ?? 0) + 1 });
    await job.moveToDelayed(
      Date.now() + (admission.kind === 'rate' ? admission.ms : PARK_MS),
      token,
    );
    // A slot freed while it was being parked would wake no one: look once more.
    if (admission.kind === 'full') await this.release(job, fc, j, false);
    throw new DelayedError();
  }

  /** Gives the slot back, and wakes the parked jobs that the free slots let start. */
  private async release(
    job: BullJob<BullmqJobData>,
    fc: FlowControl,
    j: GateJob,
    holds: boolean,
  ): Promise<void> {
    try {
      let next = await this.gate.release(fc, j, holds);
      for (let i = 0; next && i < WAKE_TRIES; i++) {
        const parked = await BullJob.fromId(this.queueOf(job.queueName), next);
        const woken = await parked
          ?.promote()
          .then(() => true)
          .catch(() => false);
        if (woken) return;
        next = await this.gate.release(fc, j, false);
      }
    } catch (err) {
      this.log.warn(
        { err, jobId: job.id },
        'could not give back a per-key slot; its lease will end it',
      );
    }
  }
}
