import { Queue, UnrecoverableError, Worker } from 'bullmq';
import type { Job as BullJob } from 'bullmq';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { BusKeys } from '../../../bus/bus-keys';
import type { BusEmitter } from '../../../bus/event-emitter';
import { JobCancelledError, NonRetryableError } from '../../../model/processor';
import { JobEventType } from '../../../model/enums';
import { bullPrefix, CANCELLED_REASON as CANCELLED, cancelMarkerKey } from '../bullmq-job-data';
import type { BullmqJobData } from '../bullmq-job-data';
import type { JobLogger } from '../../worker/job-logger';
import { runAttempt } from '../../worker/run-attempt';
import type { ServedJob } from '../../worker/served-job';
import { repeatStrategy } from '../bullmq-repeat';
import type { ScheduledRun } from '../../../model/schedule';
import type { QueueLimits } from '../../worker/queue-limits';
import { ScheduleGate } from './schedule-gate';
import { ScheduledAdmission } from './scheduled-admission';
import { BullmqOutcomes } from './outcomes';
import { jobEvent, startedAttempt } from './job-attempts';
import { ChildFailurePolicy } from '../../../model/flow';
import { BullmqFlowHooks } from './bullmq-flow-hooks';
import { KeyedAdmission } from './keyed-admission';

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

const never = new AbortController().signal;

/** Runs the processors of the given queues; emits STARTED, PROGRESS, RETRYING, COMPLETED, FAILED, CANCELLED. */
export class BullmqWorkers {
  private readonly workers: Worker<BullmqJobData>[] = [];
  private readonly connections: Redis[] = [];
  private readonly pending = new Set<Promise<unknown>>();
  private cancelSub?: Redis;
  private readonly markers: Redis;
  private readonly admission: ScheduledAdmission;
  private readonly flows: BullmqFlowHooks;
  private readonly outcomes: BullmqOutcomes;
  private readonly keyed: KeyedAdmission;
  /** Queues of this process's connection for waking parked jobs, by name. */
  private readonly queues = new Map<string, Queue>();

  constructor(private readonly o: BullmqWorkersOptions) {
    this.markers = new Redis(o.redisUrl, {
      maxRetriesPerRequest: null,
      connectionName: 'jobgate-worker',
    });
    this.admission = new ScheduledAdmission(
      new ScheduleGate(this.markers, o.prefix),
      o.recordScheduledRun,
    );
    this.flows = new BullmqFlowHooks(this.markers, o.prefix, o.emitter);
    this.keyed = new KeyedAdmission(this.markers, o.prefix, (name) => this.queueOf(name), o.log);
    this.outcomes = new BullmqOutcomes({
      prefix: o.prefix,
      markers: this.markers,
      emitter: o.emitter,
      flows: this.flows,
      track: (p) => this.track(p),
      onFinished: o.onFinished,
    });
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

  private queueOf(name: string): Queue {
    let q = this.queues.get(name);
    if (!q) {
      q = new Queue(name, { connection: this.markers, prefix: bullPrefix(this.o.prefix) });
      this.queues.set(name, q);
    }
    return q;
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
    const admission = await this.admission.admit(job, served.timeoutMs, token);
    if (!admission || admission.kind !== 'run') return { skipped: true };
    let release: (() => Promise<void>) | undefined;
    try {
      release = await this.keyed.admit(job, served.def.options, served.timeoutMs, token);
      return await this.attempt(job, served, signal);
    } finally {
      await release?.();
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
        jobEvent(job, JobEventType.RETRYING, {
          attempt: attempt - 1,
          message: `attempt ${attempt - 1} stopped without an outcome (its worker died or stalled); running it again`,
        }),
      );
    }
    const blocked = await this.flows.blockingChild(job);
    if (blocked) throw new UnrecoverableError(blocked);
    await this.o.emitter.emitOne(jobEvent(job, JobEventType.STARTED, { attempt }));
    const base = jobEvent(job, JobEventType.LOG, { attempt });
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
              this.o.emitter.emitOne(jobEvent(job, JobEventType.PROGRESS, { attempt, progress })),
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
        if (!this.admission.skipped.delete(job.id as string)) this.outcomes.completed(job, result);
      });
      w.on('failed', (job, err) => {
        if (job) this.outcomes.failed(job, err);
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
    await Promise.all([...this.queues.values()].map((q) => q.close()));
    this.markers.disconnect();
    for (const c of this.connections) c.disconnect();
  }
}
