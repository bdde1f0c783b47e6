import { DelayedError, Queue, UnrecoverableError, Worker } from 'bullmq';
import type { Job as BullJob } from 'bullmq';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { BusKeys } from '../../src/bus/bus-keys';
import type { BusEmitter } from '../../src/bus/event-emitter';
import type { NewJobEvent } from '../../src/model/job-event';
import { JobCancelledError, NonRetryableError } from '../../src/model/processor';
import { Backend, JobEventType } from '../../src/model/enums';
import {
  bullPrefix,
  CANCELLED_REASON as CANCELLED,
  cancelMarkerKey,
} from '../../src/lanes/bullmq/bullmq-job-data';
import type { BullmqJobData } from '../../src/lanes/bullmq/bullmq-job-data';
import type { JobLogger } from '../shared/job-logger';
import { runAttempt } from '../shared/run-attempt';
import type { ServedJob } from '../shared/served-job';
import { repeatStrategy } from '../../src/lanes/bullmq/bullmq-repeat';
import type { ScheduledRun } from '../../src/model/schedule';
import type { QueueLimits } from '../shared/queue-limits';
import { ScheduleGate } from './schedule-gate';
import type { Admission } from './schedule-gate';
import { ChildFailurePolicy } from '../../src/model/flow';
import { BullmqFlowHooks } from './bullmq-flow-hooks';

export interface BullmqWorkersOptions {
  redisUrl: string;
  prefix: string;
  keys: BusKeys;
  /** Queues to work on, each with its limits. */
  queues: QueueLimits[];
  /** The job types this process runs, by name. */
  jobs: ReadonlyMap<string, ServedJob>;
  logger: JobLogger;
  /** Largest result kept, bytes of JSON. @defaultValue 1048576 */
  maxResultBytes?: number;
  /** How long a job's lock lasts without renewal: a dead worker's jobs are stalled after it, ms. */
  lockMs?: number;
  /** How often each worker looks for stalled jobs, ms. */
  stalledIntervalMs?: number;
  emitter: BusEmitter;
  log: Logger;
  /** Called with each final outcome (metrics). */
  onFinished?: (jobType: string, outcome: 'completed' | 'failed' | 'cancelled', ms: number) => void;
  /** Writes a scheduled run's row and QUEUED event, once per run (see ScheduledRuns). */
  recordScheduledRun?: (run: ScheduledRun) => Promise<unknown>;
}

/** How long the buffered run of a BUFFER_ONE schedule waits before it looks again, ms. */
const BUFFER_RECHECK_MS = 200;

/** The due time BullMQ put in a scheduler job's id (`repeat:<scheduler>:<due ms>`). */
const dueAtOf = (jobId: string, fallback: number): Date => {
  const ms = Number(jobId.split(':').at(-1));
  return new Date(Number.isFinite(ms) && ms > 0 ? ms : fallback);
};

const never = new AbortController().signal;

/**
 * The attempt a start is: BullMQ counts starts (`attemptsStarted`, which a
 * stalled job's rerun raises too) apart from failures (`attemptsMade`).
 */
const startedAttempt = (job: BullJob<BullmqJobData>): number =>
  Math.max((job.attemptsStarted ?? 0) - (job.data.deferrals ?? 0), job.attemptsMade + 1);

/** The attempt that just ended (completed, failed or cancelled). */
const endedAttempt = (job: BullJob<BullmqJobData>): number =>
  Math.max((job.attemptsStarted ?? 0) - (job.data.deferrals ?? 0), job.attemptsMade);

/** Runs the processors of the given queues; emits STARTED, PROGRESS, RETRYING, COMPLETED, FAILED, CANCELLED. */
export class BullmqWorkers {
  private readonly workers: Worker<BullmqJobData>[] = [];
  private readonly connections: Redis[] = [];
  private readonly pending = new Set<Promise<unknown>>();
  private cancelSub?: Redis;
  private readonly markers: Redis;
  private readonly gate: ScheduleGate;
  /** Scheduled runs dropped by their overlap policy: no events, no row. */
  private readonly skipped = new Set<string>();
  private readonly flows: BullmqFlowHooks;

  constructor(private readonly o: BullmqWorkersOptions) {
    this.markers = new Redis(o.redisUrl, {
      maxRetriesPerRequest: null,
      connectionName: 'jobgate-worker',
    });
    this.gate = new ScheduleGate(this.markers, o.prefix);
    this.flows = new BullmqFlowHooks(this.markers, o.prefix, o.emitter);
  }

  /**
   * A run of a schedule: applies its overlap policy, then writes its row and QUEUED (once,
   * whichever worker gets here first). Null for a run that does not start now.
   */
  private async admitScheduled(
    job: BullJob<BullmqJobData>,
    served: ServedJob,
    token: string | undefined,
  ): Promise<Admission | null> {
    const { scheduleId } = job.data;
    if (!scheduleId) return { kind: 'run', release: async () => {} };
    const id = job.id as string;
    const admission = await this.gate.admit(
      id,
      scheduleId,
      job.data.overlap,
      !!job.data.trigger,
      served.timeoutMs + 30_000,
    );
    if (admission.kind === 'skip') {
      this.skipped.add(id);
      return null;
    }
    if (admission.kind === 'wait') {
      await job.updateData({ ...job.data, deferrals: (job.data.deferrals ?? 0) + 1 });
      await job.moveToDelayed(Date.now() + BUFFER_RECHECK_MS, token);
      throw new DelayedError();
    }
    await this.o.recordScheduledRun?.({
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

  /**
   * A parent BullMQ failed without running because a FAIL_PARENT child failed: FAILED naming
   * the child, or CANCELLED when the parent's tree is being cancelled.
   */
  private async parentFailed(job: BullJob<BullmqJobData>, message: string): Promise<void> {
    const marker = await this.markers.get(cancelMarkerKey(this.o.prefix, job.id as string));
    await this.o.emitter.emitOne(
      marker !== null
        ? this.event(job, JobEventType.CANCELLED, { message: marker })
        : this.event(job, JobEventType.FAILED, {
            message: await this.flows.deferredFailure(job, message),
            meta: { ranProcessor: false },
          }),
    );
  }

  /**
   * A flow child about to finish tells its parent how many children are left. Said before
   * BullMQ records the outcome, so it is on the bus before the parent can start.
   */
  private async tellParent(job: BullJob<BullmqJobData>): Promise<void> {
    if (!job.data.flow?.parent) return;
    try {
      await this.flows.childLeaving(job);
    } catch (err) {
      this.o.log.warn(
        { err, jobId: job.id },
        'could not tell the parent how many children are left',
      );
    }
  }

  private event(
    job: BullJob<BullmqJobData>,
    type: JobEventType,
    extra: Partial<NewJobEvent> = {},
  ): NewJobEvent {
    return {
      tenant: job.data.tenant,
      source: Backend.BULLMQ,
      type,
      jobId: job.id as string,
      jobType: job.name,
      queue: job.queueName,
      ...extra,
    };
  }

  /** Emits without making the caller wait; shutdown waits for every one still in flight. */
  private track(p: Promise<unknown>): void {
    const t = p
      .catch((err: unknown) => this.o.log.error({ err }, 'event emit failed'))
      .finally(() => this.pending.delete(t));
    this.pending.add(t);
  }

  /** Attempts running now, all queues together (heartbeats report it). */
  active = 0;

  private async process(
    job: BullJob<BullmqJobData>,
    token?: string,
    signal?: AbortSignal,
  ): Promise<unknown> {
    const served = this.o.jobs.get(job.name);
    if (!served)
      throw new UnrecoverableError(`no processor for job type '${job.name}' in this worker`);
    if (await this.markers.exists(cancelMarkerKey(this.o.prefix, job.id as string))) {
      throw new UnrecoverableError(CANCELLED);
    }
    const admission = await this.admitScheduled(job, served, token);
    if (!admission || admission.kind !== 'run') return { skipped: true };
    try {
      return await this.attempt(job, served, signal);
    } finally {
      await admission.release();
    }
  }

  private async attempt(
    job: BullJob<BullmqJobData>,
    served: ServedJob,
    signal?: AbortSignal,
  ): Promise<unknown> {
    const attempt = startedAttempt(job);
    if (attempt > job.attemptsMade + 1) {
      // An earlier start ended with no outcome: its worker died or stalled, and BullMQ's
      // stalled-job check put the job back. Said here, before STARTED, so the order holds.
      await this.o.emitter.emitOne(
        this.event(job, JobEventType.RETRYING, {
          attempt: attempt - 1,
          message: `attempt ${attempt - 1} stopped without an outcome (its worker died or stalled); running it again`,
        }),
      );
    }
    const blocked = await this.flows.blockingChild(job);
    if (blocked) throw new UnrecoverableError(blocked);
    await this.o.emitter.emitOne(this.event(job, JobEventType.STARTED, { attempt }));
    const base = this.event(job, JobEventType.LOG, { attempt });
    this.active++;
    try {
      const result = await runAttempt({
        def: served.def,
        check: served.check,
        input: job.data.input,
        timeoutMs: served.timeoutMs,
        maxResultBytes: this.o.maxResultBytes ?? 1_048_576,
        cancel: signal ?? never,
        ctx: {
          jobId: job.id as string,
          attempt,
          progress: async (n) => {
            const progress = Math.max(0, Math.min(100, n));
            await Promise.all([
              this.o.emitter.emitOne(this.event(job, JobEventType.PROGRESS, { attempt, progress })),
              job.updateProgress(progress),
            ]);
          },
          log: (line) => this.o.logger.log(base, line),
          children: () => this.flows.children(job),
        },
      });
      await this.tellParent(job);
      return result;
    } catch (err) {
      const final =
        err instanceof JobCancelledError ||
        err instanceof NonRetryableError ||
        job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      // A child whose failure its parent ignores still counts as finished for the parent.
      if (final && job.data.flow?.onFailure === ChildFailurePolicy.IGNORE)
        await this.tellParent(job);
      if (err instanceof JobCancelledError) throw new UnrecoverableError(CANCELLED);
      if (err instanceof NonRetryableError) throw new UnrecoverableError(err.message);
      throw err;
    } finally {
      this.active--;
      await this.o.logger.flush(base);
    }
  }

  async start(): Promise<void> {
    for (const limits of this.o.queues) {
      const { name } = limits;
      const connection = new Redis(this.o.redisUrl, {
        maxRetriesPerRequest: null,
        connectionName: `jobgate-worker-${name}`,
      });
      this.connections.push(connection);
      const w = new Worker<BullmqJobData>(
        name,
        (job, token, signal) => this.process(job, token, signal),
        {
          connection,
          prefix: bullPrefix(this.o.prefix),
          concurrency: limits.concurrency,
          ...(limits.rateLimit
            ? { limiter: { max: limits.rateLimit.max, duration: limits.rateLimit.durationMs } }
            : {}),
          lockDuration: this.o.lockMs,
          stalledInterval: this.o.stalledIntervalMs,
          autorun: false,
          // The next run of a cron scheduler is computed here, when a run is picked up.
          settings: { repeatStrategy },
        },
      );
      w.on('completed', (job, result) => {
        if (this.skipped.delete(job.id as string)) return;
        this.track(
          this.o.emitter.emitOne(
            this.event(job, JobEventType.COMPLETED, {
              attempt: endedAttempt(job),
              meta: { result: result ?? null },
            }),
          ),
        );
        this.o.onFinished?.(job.name, 'completed', Date.now() - job.timestamp);
      });
      w.on('failed', (job, err) => {
        if (!job) return;
        const maxAttempts = job.opts.attempts ?? 1;
        if (err.message === CANCELLED) {
          this.track(
            this.markers.get(cancelMarkerKey(this.o.prefix, job.id as string)).then((reason) =>
              this.o.emitter.emitOne(
                this.event(job, JobEventType.CANCELLED, {
                  attempt: endedAttempt(job),
                  message: reason ?? 'cancelled',
                }),
              ),
            ),
          );
          this.o.onFinished?.(job.name, 'cancelled', Date.now() - job.timestamp);
        } else if (job.deferredFailure) {
          this.track(this.parentFailed(job, err.message));
          this.o.onFinished?.(job.name, 'failed', Date.now() - job.timestamp);
        } else if (err.name !== 'UnrecoverableError' && job.attemptsMade < maxAttempts) {
          this.track(
            this.o.emitter.emitOne(
              this.event(job, JobEventType.RETRYING, {
                attempt: endedAttempt(job),
                message: err.message,
              }),
            ),
          );
        } else {
          this.track(
            this.o.emitter.emitOne(
              this.event(job, JobEventType.FAILED, {
                attempt: endedAttempt(job),
                message: err.message,
              }),
            ),
          );
          this.o.onFinished?.(job.name, 'failed', Date.now() - job.timestamp);
        }
      });
      w.on('error', (err) => this.o.log.error({ err, queue: name }, 'BullMQ worker error'));
      this.workers.push(w);
      if (limits.globalConcurrency) {
        const queue = new Queue(name, { connection, prefix: bullPrefix(this.o.prefix) });
        await queue.setGlobalConcurrency(limits.globalConcurrency);
        await queue.close();
      }
    }
    // Cancel requests reach every worker process; the one running the job aborts it.
    const sub = new Redis(this.o.redisUrl, {
      maxRetriesPerRequest: null,
      connectionName: 'jobgate-worker-cancel',
    });
    this.cancelSub = sub;
    await new Promise<void>((resolve) => sub.once('ready', () => resolve()));
    sub.on('message', (_ch: string, msg: string) => {
      try {
        const { jobId, reason } = JSON.parse(msg) as { jobId: string; reason?: string };
        for (const w of this.workers) w.cancelJob(jobId, reason ?? 'cancelled');
      } catch (err) {
        this.o.log.warn({ err, msg }, 'bad cancel request');
      }
    });
    await sub.subscribe(this.o.keys.cancelChannel);
    for (const w of this.workers) {
      w.run().catch((err: unknown) => this.o.log.error({ err }, 'BullMQ worker stopped'));
    }
    await Promise.all(this.workers.map((w) => w.waitUntilReady()));
  }

  /** Stops taking jobs, lets active ones finish, flushes pending events, closes connections. */
  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.close()));
    await Promise.all([...this.pending]);
    this.cancelSub?.disconnect();
    await this.flows.close();
    this.markers.disconnect();
    for (const c of this.connections) c.disconnect();
  }
}
