import type { Logger } from 'pino';
import { PeriodicPass } from '../periodic-pass';
import type { BusEmitter } from '../bus/event-emitter';
import type { Lane, RunOutcome } from '../lanes/lane';
import type { JobEvent, NewJobEvent } from '../model/job-event';
import type { JobCursor } from '../model/job-query';
import { parseStreamId } from '../model/stream-id';
import { Backend, JobEventType, JobStatus } from '../model/enums';
import type { JobRecord } from '../model/job-record';
import type { JobStore } from '../store/job-store';

export interface ReconcilerOptions {
  /** Pause between passes, ms. @defaultValue 5000 */
  intervalMs?: number;
  /** How long a closed run may wait for its own final event before the reconciler writes it, ms. @defaultValue 10000 */
  graceMs?: number;
  /** Jobs checked per pass; each pass goes on where the last one stopped, wrapping around. @defaultValue 200 */
  batchSize?: number;
}

const REMEMBERED = 10_000;

/**
 * A final event can be lost: a worker dies between the engine recording the end of a run and
 * the event reaching the bus (a lost Temporal sink call), or the engine's reply to the worker
 * is lost (a BullMQ job moved to completed whose worker never heard it). The store would then
 * wait forever. The reconciler compares the store's unfinished jobs of one lane with the
 * engine and emits the final event of every run that has ended (COMPLETED with its result,
 * FAILED with its message, CANCELLED) but whose end the store has not seen. Run one per lane
 * and deployment (it does not coordinate with other reconcilers).
 */
export class Reconciler {
  private readonly loop: PeriodicPass;
  /** Runs already reported, so a slow aggregator does not get the same final event twice. */
  private readonly reported = new Set<string>();
  /** Where the walk goes on from; it wraps around at the end. */
  private cursor?: JobCursor;
  private readonly graceMs: number;
  private readonly batchSize: number;

  constructor(
    private readonly jobStore: JobStore,
    private readonly lane: Lane,
    private readonly emitter: BusEmitter,
    private readonly log: Logger,
    o: ReconcilerOptions = {},
  ) {
    this.graceMs = o.graceMs ?? 10_000;
    this.batchSize = o.batchSize ?? 200;
    this.loop = new PeriodicPass(
      () => this.reconcileOnce(),
      o.intervalMs ?? 5000,
      log,
      'reconciler',
    );
  }

  start(): void {
    this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** One pass over the unfinished jobs; returns the events it emitted. */
  async reconcileOnce(now = Date.now()): Promise<JobEvent[]> {
    const jobs = await this.jobStore.unfinished(
      this.lane.backend,
      new Date(now - this.graceMs),
      this.batchSize,
      this.cursor,
    );
    const last = jobs[jobs.length - 1];
    this.cursor =
      jobs.length < this.batchSize ? undefined : { createdAt: last.createdAt, id: last.id };
    const missing: NewJobEvent[] = [];
    const keys: string[] = [];
    for (let i = 0; i < jobs.length; i += 20) {
      const slice = jobs.slice(i, i + 20);
      const outcomes = await Promise.all(
        slice.map((j) => this.lane.outcome(j).catch((err: unknown) => this.skip(j, err))),
      );
      slice.forEach((job, k) => {
        const o = outcomes[k];
        if (o === null) {
          const event = this.goneEvent(job, now);
          if (event) {
            missing.push(event);
            keys.push(`${job.id}:gone`);
          }
          return;
        }
        const event = o && this.finalEvent(job, o, now);
        if (!event || !o) return;
        missing.push(event);
        keys.push(`${job.id}:${o.runId}`);
      });
    }
    if (missing.length === 0) return [];
    const emitted = await this.emitter.emit(missing);
    for (const k of keys) this.remember(k);
    this.log.warn(
      { jobs: emitted.map((e) => `${e.jobId} ${e.type}`) },
      'reconciler emitted missing final events',
    );
    return emitted;
  }

  private skip(job: JobRecord, err: unknown): undefined {
    this.log.warn({ err, jobId: job.id }, 'reconciler could not read the run; will try again');
    return undefined;
  }

  /**
   * A job the store saw start whose engine no longer holds it: its run ended and the engine let
   * it go (BullMQ keeps only the newest completed jobs) before its final event was stored. Its
   * outcome is unknown, so it ends FAILED, saying so: retryable, and never left RUNNING.
   */
  private goneEvent(job: JobRecord, now: number): NewJobEvent | null {
    if (job.status !== JobStatus.RUNNING || !job.lastEventId) return null;
    // Three graces past its last event: the aggregator has long stored a final event it sent.
    if (now - parseStreamId(job.lastEventId).ms < 3 * this.graceMs) return null;
    if (this.reported.has(`${job.id}:gone`)) return null;
    return {
      tenant: job.tenant,
      source: this.lane.backend,
      jobId: job.id,
      jobType: job.type,
      queue: job.queue,
      ...(this.lane.backend === Backend.TEMPORAL ? { workflowId: job.id } : {}),
      type: JobEventType.FAILED,
      message:
        'the engine no longer holds this job and its final event was lost; its outcome is unknown: retry it if it must run',
      meta: { reconciled: true, gone: true },
    };
  }

  private remember(key: string): void {
    this.reported.add(key);
    if (this.reported.size > REMEMBERED)
      this.reported.delete(this.reported.values().next().value as string);
  }

  /** The final event the store is missing for this run, or null when nothing is missing (yet). */
  private finalEvent(job: JobRecord, o: RunOutcome, now: number): NewJobEvent | null {
    if (!o.closeTime || o.status === 'RUNNING' || o.status === 'CONTINUED_AS_NEW') return null;
    const closed = o.closeTime.getTime();
    if (now - closed < this.graceMs || this.reported.has(`${job.id}:${o.runId}`)) return null;
    // An event after the close (a retry's QUEUED) means the store is already past this run.
    if (job.lastEventId && parseStreamId(job.lastEventId).ms > closed) return null;
    const base = {
      tenant: job.tenant,
      source: this.lane.backend,
      jobId: job.id,
      jobType: job.type,
      queue: job.queue,
      ...(this.lane.backend === Backend.TEMPORAL ? { workflowId: job.id } : {}),
      ...(o.attempt ? { attempt: o.attempt } : {}),
    };
    const meta = { reconciled: true, runId: o.runId };
    switch (o.status) {
      case 'COMPLETED':
        return {
          ...base,
          type: JobEventType.COMPLETED,
          meta: { ...meta, result: o.result ?? null },
        };
      case 'CANCELLED':
        return { ...base, type: JobEventType.CANCELLED, message: o.message ?? 'cancelled', meta };
      case 'TERMINATED':
        return {
          ...base,
          type: JobEventType.CANCELLED,
          message: o.message ?? 'terminated',
          meta: { ...meta, terminated: true },
        };
      case 'TIMED_OUT':
        return {
          ...base,
          type: JobEventType.FAILED,
          message: o.message ?? 'workflow timed out',
          meta,
        };
      default:
        return {
          ...base,
          type: JobEventType.FAILED,
          message: o.message ?? `workflow ended ${o.status}`,
          meta,
        };
    }
  }
}
