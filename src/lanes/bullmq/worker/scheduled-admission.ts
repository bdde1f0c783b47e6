import { DelayedError } from 'bullmq';
import type { Job as BullJob } from 'bullmq';
import type { BullmqJobData } from '../bullmq-job-data';
import { Backend } from '../../../model/enums';
import type { ScheduledRun } from '../../../model/schedule';
import type { Admission, ScheduleGate } from './schedule-gate';

/** How long the buffered run of a BUFFER_ONE schedule waits before it looks again, ms. */
const BUFFER_RECHECK_MS = 200;

/** The due time BullMQ put in a scheduler job's id (`repeat:<scheduler>:<due ms>`). */
const dueAtOf = (jobId: string, fallback: number): Date => {
  const ms = Number(jobId.split(':').at(-1));
  return new Date(Number.isFinite(ms) && ms > 0 ? ms : fallback);
};

const RUN_NOW: Admission = { kind: 'run', release: async () => {} };

/**
 * Whether a BullMQ job a schedule made starts now: applies its overlap policy through the
 * gate, puts a buffered run back in BullMQ's delayed set, and writes a starting run's row and
 * QUEUED (once, whichever worker gets here first). Jobs of no schedule always start.
 */
export class ScheduledAdmission {
  /** Scheduled runs dropped by their overlap policy: no events, no row. */
  readonly skipped = new Set<string>();

  constructor(
    private readonly gate: ScheduleGate,
    private readonly record?: (run: ScheduledRun) => Promise<unknown>,
  ) {}

  /** Null for a run that does not start now; throws DelayedError for one put back to wait. */
  async admit(
    job: BullJob<BullmqJobData>,
    timeoutMs: number,
    token: string | undefined,
  ): Promise<Admission | null> {
    const { scheduleId } = job.data;
    if (!scheduleId) return RUN_NOW;
    const id = job.id as string;
    const admission = await this.gate.admit(
      id,
      scheduleId,
      job.data.overlap,
      !!job.data.trigger,
      timeoutMs + 30_000,
    );
    if (admission.kind === 'skip') {
      this.skipped.add(id);
      return null;
    }
    if (admission.kind === 'wait') {
      // Counted, so that the attempt numbers leave out the starts that only waited.
      await job.updateData({ ...job.data, deferrals: (job.data.deferrals ?? 0) + 1 });
      await job.moveToDelayed(Date.now() + BUFFER_RECHECK_MS, token);
      throw new DelayedError();
    }
    await this.record?.({
      jobId: id,
      scheduleId,
      tenant: job.data.tenant,
      type: job.name,
      backend: Backend.BULLMQ,
      queue: job.queueName,
      input: job.data.input,
      priority: job.data.priority,
      dueAt: dueAtOf(id, job.timestamp),
    });
    return admission;
  }
}
