import type { BusEmitter } from '../bus/event-emitter';
import { Backend, JobEventType, JobStatus, Priority } from '../model/enums';
import type { JobRecord } from '../model/job-record';
import type { JobTypeCatalog } from '../model/job-type';
import type { ScheduledRun } from '../model/schedule';
import type { JobStore } from '../store/job-store';

/**
 * Gives each run an engine's schedule starts its jobgate row and QUEUED event, exactly once.
 * The row goes in with ON CONFLICT DO NOTHING under the run's deterministic id, and QUEUED is
 * emitted only by the call whose insert won: a second worker, a redelivered BullMQ job, a
 * retried Temporal activity or a trigger that raced the worker all find the row and emit
 * nothing. The row is written before QUEUED, so the aggregator always has a row to apply it to.
 */
export class ScheduledRuns {
  constructor(
    private readonly jobs: JobStore,
    private readonly emitter: BusEmitter,
    private readonly catalog: JobTypeCatalog,
  ) {}

  private async row(run: ScheduledRun): Promise<JobRecord> {
    const type = this.catalog.find(run.type) ?? (await this.catalog.ensure(run.type));
    return {
      id: run.jobId,
      tenant: run.tenant,
      type: run.type,
      backend: run.backend,
      routingReason: `schedule ${run.scheduleId}`,
      queue: run.queue,
      status: JobStatus.QUEUED,
      priority: run.priority ?? Priority.NORMAL,
      progress: 0,
      attempts: 0,
      maxAttempts: type?.maxAttempts ?? 1,
      input: run.input ?? null,
      result: null,
      error: null,
      idempotencyKey: null,
      delayMs: null,
      createdAt: run.dueAt ?? new Date(),
      startedAt: null,
      finishedAt: null,
      lastEventId: null,
      scheduleId: run.scheduleId,
      maskedPaths: type?.sensitiveFields.length ? [...type.sensitiveFields] : null,
    };
  }

  /** Inserts the run's row and, when this call inserted it, emits its QUEUED. True if it did. */
  async record(run: ScheduledRun): Promise<boolean> {
    const job = await this.row(run);
    const inserted = await this.jobs.insert([job]);
    if (!inserted.has(job.id)) return false;
    await this.emitter.emitOne({
      tenant: job.tenant,
      source: job.backend,
      type: JobEventType.QUEUED,
      jobId: job.id,
      jobType: job.type,
      queue: job.queue,
      ...(job.backend === Backend.TEMPORAL ? { workflowId: job.id } : {}),
      meta: { scheduleId: run.scheduleId, dueAt: run.dueAt?.toISOString() ?? null },
    });
    return true;
  }
}
