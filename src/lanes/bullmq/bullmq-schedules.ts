import type { RepeatOptions } from 'bullmq';
import { Backend } from '../../model/enums';
import type { JobTypeCatalog } from '../../model/job-type';
import type { ScheduleRecord } from '../../model/schedule';
import type { ScheduleEngine, TriggeredRun } from '../schedule-engine';
import type { BullmqLane } from './bullmq-lane';
import type { BullmqJobData } from './bullmq-job-data';
import { fairPriority } from './bullmq-priority';

/** Trigger runs' job ids: three ':'-parts, as BullMQ allows custom ids to have. */
export const triggerJobId = (scheduleId: string, at: number): string =>
  `trigger:${scheduleId}:${at}`;

/**
 * Schedules on the fast lane: one BullMQ job scheduler per schedule (`upsertJobScheduler`),
 * under the schedule's id. BullMQ has no pause, so a paused schedule has no scheduler: its
 * spec stays in Postgres and resume writes the scheduler again. Overlap is decided by the
 * worker when a run starts (see worker/schedule-gate.ts).
 */
export class BullmqSchedules implements ScheduleEngine {
  readonly backend = Backend.BULLMQ;

  constructor(
    private readonly lane: BullmqLane,
    private readonly catalog: JobTypeCatalog,
  ) {}

  private repeat(s: ScheduleRecord): RepeatOptions {
    if (s.cron) {
      return {
        pattern: s.cron,
        tz: s.timezone,
        ...(s.startAt ? { startDate: s.startAt } : {}),
        ...(s.endAt ? { endDate: s.endAt } : {}),
      };
    }
    // Interval runs on the epoch grid, as Temporal's intervals are: BullMQ starts an `every`
    // scheduler at once unless given a start, so the start is the next grid point.
    const every = s.everyMs as number;
    const from = Math.max(Date.now(), s.startAt?.getTime() ?? 0);
    return {
      every,
      startDate: Math.ceil(from / every) * every,
      ...(s.endAt ? { endDate: s.endAt } : {}),
    };
  }

  async upsert(s: ScheduleRecord): Promise<void> {
    if (s.paused) {
      await this.lane.queue(s.queue).removeJobScheduler(s.id);
      return;
    }
    const def = this.catalog.find(s.type);
    const data: BullmqJobData = {
      tenant: s.tenant,
      input: s.input,
      scheduleId: s.id,
      overlap: s.overlap,
      priority: s.priority,
    };
    await this.lane.queue(s.queue).upsertJobScheduler(s.id, this.repeat(s), {
      name: s.type,
      data,
      opts: {
        priority: fairPriority(s.priority),
        attempts: def?.maxAttempts ?? 1,
        backoff: { type: 'exponential', delay: def?.backoffMs ?? 1000, jitter: 0.5 },
        removeOnComplete: { age: 24 * 3600, count: 1000 },
        removeOnFail: false,
      },
    });
  }

  async pause(s: ScheduleRecord): Promise<void> {
    await this.lane.queue(s.queue).removeJobScheduler(s.id);
  }

  resume(s: ScheduleRecord): Promise<void> {
    return this.upsert({ ...s, paused: false });
  }

  /** The id only: the schedule service writes the row and hands the job to the lane. */
  trigger(s: ScheduleRecord): Promise<TriggeredRun> {
    const now = Date.now();
    return Promise.resolve({ jobId: triggerJobId(s.id, now), dueAt: new Date(now) });
  }

  async remove(s: ScheduleRecord): Promise<void> {
    await this.lane.queue(s.queue).removeJobScheduler(s.id);
  }
}
