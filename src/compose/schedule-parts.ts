import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import type { BusEmitter } from '../bus/event-emitter';
import { ScheduleService } from '../jobs/schedule-service';
import { ScheduledRuns } from '../jobs/scheduled-runs';
import type { BullmqLane } from '../lanes/bullmq/bullmq-lane';
import { BullmqSchedules } from '../lanes/bullmq/bullmq-schedules';
import type { DurableLane } from '../lanes/temporal/durable-lane';
import { BackendChoice } from '../model/enums';
import type { JobTypeCatalog } from '../model/job-type';
import { OverlapPolicy } from '../model/schedule';
import type { ResolvedDefinitions } from '../sdk/resolve';
import type { JobStore } from '../store/job-store';
import { ScheduleStore } from '../store/schedule-store';

/** The schedule service of a process, the run recorder its workers use, and the code upserter. */
export interface ScheduleParts {
  service: ScheduleService;
  runs: ScheduledRuns;
  /**
   * Upserts schedules declared in defineJob, in tenant `default` under `code.<id>`: once per
   * spec, however many workers call it.
   */
  upsertCodeSchedules(schedules: ResolvedDefinitions['schedules']): Promise<void>;
}

export function scheduleParts(d: {
  ds: DataSource;
  jobs: JobStore;
  emitter: BusEmitter;
  catalog: JobTypeCatalog;
  bullmq: BullmqLane;
  durable: DurableLane | null;
  log: Logger;
  /** MAX_SCHEDULES_PER_TENANT. */
  maxPerTenant?: number;
}): ScheduleParts {
  const runs = new ScheduledRuns(d.jobs, d.emitter, d.catalog);
  const service = new ScheduleService({
    store: new ScheduleStore(d.ds),
    jobs: d.jobs,
    catalog: d.catalog,
    runs,
    bullmq: d.bullmq,
    maxPerTenant: d.maxPerTenant,
    engines: {
      BULLMQ: new BullmqSchedules(d.bullmq, d.catalog),
      ...(d.durable?.schedules ? { TEMPORAL: d.durable.schedules() } : {}),
    },
  });
  return {
    service,
    runs,
    async upsertCodeSchedules(schedules) {
      for (const s of schedules) {
        try {
          const saved = await service.upsertCode({
            id: s.id,
            type: s.type,
            input: s.input,
            backend: s.lane ? BackendChoice[s.lane] : BackendChoice.AUTO,
            cron: s.cron ?? null,
            everyMs: s.everyMs ?? null,
            timezone: s.timezone ?? 'UTC',
            overlap: s.overlap ? OverlapPolicy[s.overlap] : OverlapPolicy.SKIP,
          });
          d.log.debug({ schedule: saved.id, type: s.type }, 'code schedule in step');
        } catch (err) {
          // One bad schedule must not keep the worker from serving its types.
          d.log.error({ err, schedule: s.id, type: s.type }, 'code schedule not upserted');
        }
      }
    },
  };
}
