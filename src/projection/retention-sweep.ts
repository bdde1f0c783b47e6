import type { Logger } from 'pino';
import type { BullmqLane } from '../lanes/bullmq/bullmq-lane';
import { JobStatus } from '../model/enums';
import type { JobTypeCatalog } from '../model/job-type';
import type { RetentionStore } from '../store/retention-store';

/** How long each kind of data is kept, in days; 0 keeps it forever (that sweep is off). */
export interface RetentionPolicy {
  /** Succeeded jobs, with their events and logs. @defaultValue 30 */
  days: number;
  /** Failed and cancelled jobs, with their events and logs, and BullMQ's failed sets. @defaultValue 90 */
  failedDays: number;
  /** Audit entries. @defaultValue 365 */
  auditDays: number;
  /** Rows per batch (each batch is one short transaction). @defaultValue 500 */
  batch: number;
  /** Pause between batches, so the API's queries go between them, ms. @defaultValue 20 */
  pauseMs?: number;
}

/** What one sweep deleted. */
export interface SweepReport {
  jobs: number;
  events: number;
  audit: number;
  bullmqFailed: number;
}

const DAY = 24 * 3_600_000;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Deletes what is older than the retention policy: finished jobs with their events, audit
 * entries, and BullMQ's failed jobs (`Queue.clean`), in batches until none is left. Runs
 * beside the aggregator on a PeriodicPass; each sweep reports what it deleted.
 */
export class RetentionSweep {
  constructor(
    private readonly store: RetentionStore,
    private readonly bullmq: BullmqLane,
    private readonly catalog: JobTypeCatalog,
    private readonly policy: RetentionPolicy,
    private readonly log: Logger,
    private readonly onDeleted?: (what: keyof SweepReport, n: number) => void,
  ) {}

  private async batches(step: () => Promise<number>): Promise<void> {
    for (;;) {
      const n = await step();
      if (n < this.policy.batch) return;
      await sleep(this.policy.pauseMs ?? 20);
    }
  }

  /** One sweep; `now` is for tests that judge the cut-off. */
  async run(now = Date.now()): Promise<SweepReport> {
    const started = Date.now();
    const report: SweepReport = { jobs: 0, events: 0, audit: 0, bullmqFailed: 0 };
    const { days, failedDays, auditDays, batch } = this.policy;
    const jobs = (status: JobStatus, keepDays: number): Promise<void> =>
      this.batches(async () => {
        const d = await this.store.deleteJobs(status, new Date(now - keepDays * DAY), batch);
        report.jobs += d.jobs;
        report.events += d.events;
        return d.jobs;
      });
    if (days > 0) await jobs(JobStatus.SUCCEEDED, days);
    if (failedDays > 0) {
      await jobs(JobStatus.FAILED, failedDays);
      await jobs(JobStatus.CANCELLED, failedDays);
      for (const name of this.catalog.queues()) {
        // `clean` measures age from now; jobs older than the grace go, `batch` per call.
        const grace = Math.max(0, Date.now() - (now - failedDays * DAY));
        await this.batches(async () => {
          const ids = await this.bullmq.queue(name).clean(grace, batch, 'failed');
          report.bullmqFailed += ids.length;
          return ids.length;
        });
      }
    }
    if (auditDays > 0)
      await this.batches(async () => {
        const n = await this.store.deleteAudit(new Date(now - auditDays * DAY), batch);
        report.audit += n;
        return n;
      });
    for (const [what, n] of Object.entries(report) as [keyof SweepReport, number][])
      this.onDeleted?.(what, n);
    this.log.info({ deleted: report, ms: Date.now() - started }, 'retention sweep done');
    return report;
  }
}
