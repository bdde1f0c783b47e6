import { Job as BullJob, Queue } from 'bullmq';
import type { JobsOptions } from 'bullmq';
import type { ChainableCommander, Redis } from 'ioredis';
import type { BusKeys } from '../../bus/bus-keys';
import type { BusEmitter } from '../../bus/event-emitter';
import type { JobEvent, NewJobEvent } from '../../model/job-event';
import type { JobTypeCatalog } from '../../model/job-type';
import type { HandOver, Lane, RunOutcome } from '../lane';
import { conflict } from '../../model/app-error';
import { Backend, JobEventType, JobStatus } from '../../model/enums';
import type { JobRecord } from '../../model/job-record';
import { Coalescer } from '../../coalescer';
import { bullPrefix, CANCELLED_REASON, cancelMarkerKey } from './bullmq-job-data';
import type { BullmqJobData } from './bullmq-job-data';
import { fairPriority } from './bullmq-priority';
import { fairName, scopedKey } from '../flow-gate-keys';
import { BullmqFlows } from './bullmq-flows';
import type { QueueCounts } from '../../model/queue-counts';
import { repeatStrategy } from './bullmq-repeat';
import { SUBMITTED } from '../../model/status-model';

/** A job's BullMQ data; a triggered run of a schedule carries its schedule. */
const dataOf = (j: JobRecord): BullmqJobData => ({
  tenant: j.tenant,
  input: j.input,
  ...(j.scheduleId ? { scheduleId: j.scheduleId, trigger: true } : {}),
  ...(j.flowKeys ? { keys: j.flowKeys } : {}),
});

/** How long a key's count of waiting jobs lives after its last submission, ms. */
const FAIR_COUNT_TTL_MS = 24 * 3_600_000;

const eventOf = (
  job: JobRecord,
  type: JobEventType,
  extra: Partial<NewJobEvent> = {},
): NewJobEvent => ({
  tenant: job.tenant,
  source: Backend.BULLMQ,
  type,
  jobId: job.id,
  jobType: job.type,
  queue: job.queue,
  ...extra,
});

/** The fast lane: enqueue and control BullMQ jobs. Knows nothing of GraphQL. */
export class BullmqLane implements Lane {
  readonly backend = Backend.BULLMQ;

  private readonly queues = new Map<string, Queue<BullmqJobData>>();
  private flowLane?: BullmqFlows;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly keys: BusKeys,
    private readonly emitter: BusEmitter,
    /** Registered job types: their queues and backoff. */
    private readonly catalog: JobTypeCatalog,
  ) {}

  /** Flows on this lane (BullMQ's FlowProducer), made on first use. */
  flows(): BullmqFlows {
    return (this.flowLane ??= new BullmqFlows(this.redis, this.prefix, this, this.emitter));
  }

  queue(name: string): Queue<BullmqJobData> {
    let q = this.queues.get(name);
    if (!q) {
      q = new Queue<BullmqJobData>(name, {
        connection: this.redis,
        prefix: bullPrefix(this.prefix),
        settings: { repeatStrategy },
      });
      this.queues.set(name, q);
    }
    return q;
  }

  /** BullMQ's deduplication of a debounced or deduplicated job (see FlowControl). */
  private deduplication(job: JobRecord): JobsOptions['deduplication'] {
    const fc = this.catalog.find(job.type)?.flowControl;
    const keys = job.flowKeys;
    if (fc?.debounce && keys?.debounce !== undefined) {
      // Debounce mode: the delayed job with the id is replaced, and the wait starts again.
      const ms = Math.max(job.delayMs ?? 0, 1);
      const id = scopedKey('debounce', job.tenant, job.type, keys.debounce);
      return { id, ttl: ms, extend: true, replace: true };
    }
    if (fc?.deduplicate && keys?.deduplicate !== undefined) {
      const id = scopedKey('deduplicate', job.tenant, job.type, keys.deduplicate);
      // Throttle mode with a TTL; without one, simple mode: until the job finishes.
      return fc.deduplicate.ttlMs ? { id, ttl: fc.deduplicate.ttlMs } : { id };
    }
    return undefined;
  }

  /** BullMQ options of a job: its id, priority (with its fair turn), delay, attempts, backoff and deduplication. */
  options(job: JobRecord, turn?: number): JobsOptions {
    const def = this.catalog.find(job.type);
    const deduplication = this.deduplication(job);
    return {
      jobId: job.id,
      priority: fairPriority(job.priority, turn),
      ...(deduplication ? { deduplication } : {}),
      delay: job.delayMs ?? 0,
      attempts: job.maxAttempts,
      backoff: { type: 'exponential', delay: def?.backoffMs ?? 1000, jitter: 0.5 },
      removeOnComplete: { age: 24 * 3600, count: 1000 },
      // Failed jobs stay: they are the dead-letter set until retried.
      removeOnFail: false,
    };
  }

  /** The QUEUED event of a new job (DELAYED when it has a delay). */
  queuedEvent(job: JobRecord): NewJobEvent {
    const delayed = (job.delayMs ?? 0) > 0;
    return eventOf(job, JobEventType.QUEUED, {
      status: delayed ? JobStatus.DELAYED : JobStatus.QUEUED,
      meta: delayed ? { delayMs: job.delayMs } : null,
    });
  }

  /** Concurrent enqueues share one emit and one addBulk per queue (see Coalescer). */
  private readonly enqueues = new Coalescer<JobRecord, string>((jobs) => this.enqueueNow(jobs));

  /** A new job's QUEUED as a submission announces it: it starts no new run (see foldEvent). */
  private submittedEvent(job: JobRecord): NewJobEvent {
    const e = this.queuedEvent(job);
    return { ...e, meta: { ...e.meta, [SUBMITTED]: true } };
  }

  /** Adds jobs and emits their QUEUED events, in one transaction (see enqueueNow). */
  async enqueue(jobs: JobRecord[]): Promise<HandOver> {
    const held = await this.enqueues.submit(jobs);
    const joined = new Map<string, string>();
    jobs.forEach((j, i) => {
      if (held[i] !== j.id) joined.set(j.id, held[i]);
    });
    return { joined };
  }

  /**
   * Each job's fair turn: the count of jobs of its key waiting (see fairPriority), raised by
   * one for it; the worker lowers it when the job first starts. Jobs of types with no
   * concurrency or rate-limit key take no turn and cost no call.
   */
  private async fairTurns(jobs: JobRecord[]): Promise<(number | undefined)[]> {
    const names = jobs.map((j) =>
      fairName(this.catalog.find(j.type)?.flowControl, j.flowKeys, j.tenant, j.type),
    );
    if (names.every((n) => n === undefined)) return names.map(() => undefined);
    const p = this.redis.pipeline();
    for (const n of names) {
      if (n === undefined) continue;
      p.incr(`${this.prefix}:fc:fair:${n}`);
      p.pexpire(`${this.prefix}:fc:fair:${n}`, FAIR_COUNT_TTL_MS);
    }
    const results = (await p.exec()) ?? [];
    let at = 0;
    return names.map((n) => {
      if (n === undefined) return undefined;
      const [err, count] = results[at];
      at += 2;
      return err ? undefined : Number(count) - 1;
    });
  }

  /** The CANCELLED of a debounced job that a later one of its key replaced in BullMQ. */
  private async replaced(jobs: JobRecord[], before: (string | null)[], held: string[]) {
    const events = jobs.flatMap((j, i) =>
      before[i] && before[i] !== j.id && held[i] === j.id
        ? [
            eventOf({ ...j, id: before[i] as string }, JobEventType.CANCELLED, {
              message: `debounced: replaced by job ${j.id}, a later submission of its key`,
              meta: { replacedBy: j.id },
            }),
          ]
        : [],
    );
    if (events.length) await this.emitter.emit(events);
  }

  /**
   * Adds the jobs to BullMQ and their QUEUED events to the bus in one MULTI on the shared
   * connection: a job's QUEUED enters the stream only when its add stored it (the emit checks
   * each job's key), and before any worker can take it (so before its STARTED).
   */
  private async enqueueNow(jobs: JobRecord[]): Promise<string[]> {
    const client = await this.queue(jobs[0].queue).client;
    const turns = await this.fairTurns(jobs);
    const options = jobs.map((j, i) => this.options(j, turns[i]));
    const tx = client.multi();
    // Which job each debounce id held just before the adds: one a later job replaced ends CANCELLED.
    const debounced = jobs.map((j, i) =>
      options[i].deduplication?.replace
        ? `${this.queue(j.queue).keys.de}:${options[i].deduplication?.id}`
        : null,
    );
    for (const key of debounced) if (key) (tx as unknown as ChainableCommander).get(key);
    // addJob queues its script on the transaction before its first await.
    const adds = jobs.map((j, i) => {
      const o = options[i];
      return new BullJob(this.queue(j.queue), j.type, dataOf(j), o, o.jobId).addJob(tx as never);
    });
    this.emitter.emitHeldIn(
      tx as never,
      jobs.map((j) => this.submittedEvent(j)),
      jobs.map((j) => this.queue(j.queue).toKey(j.id)),
    );
    const results = await tx.exec();
    await Promise.all(adds);
    if (!results) throw new Error('Redis discarded the transaction that adds the jobs');
    const failed = results.find(([err]) => err);
    if (failed) throw failed[0];
    // The replies in order: the debounce GETs, one per add (the id BullMQ holds the job
    // under: another's when it deduplicated it), then the emit.
    let at = 0;
    const before = debounced.map((key) => (key ? (results[at++][1] as string | null) : null));
    const held = jobs.map(() => String(results[at++][1]));
    if (at !== results.length - 1)
      throw new Error(
        `the add transaction answered ${results.length} replies for ${at + 1} commands`,
      );
    await this.replaced(jobs, before, held);
    return held;
  }

  /** One addBulk per queue; a job id BullMQ already holds is left as it is. */
  private async add(jobs: JobRecord[]): Promise<void> {
    const byQueue = new Map<string, JobRecord[]>();
    for (const j of jobs) byQueue.set(j.queue, [...(byQueue.get(j.queue) ?? []), j]);
    await Promise.all(
      [...byQueue].map(([name, list]) =>
        // One job: add, which sends its script directly; addBulk builds a Pipeline, which
        // copies every script of the connection (see compose/core-parts.ts).
        list.length === 1
          ? this.queue(name).add(list[0].type, dataOf(list[0]), this.options(list[0]))
          : this.queue(name).addBulk(
              list.map((j) => ({
                name: j.type,
                data: dataOf(j),
                opts: this.options(j),
              })),
            ),
      ),
    );
  }

  /** The submission QUEUED of jobs BullMQ holds already. */
  async announce(jobs: JobRecord[]): Promise<void> {
    await this.emitter.emit(jobs.map((j) => this.submittedEvent(j)));
  }

  async redeliver(jobs: JobRecord[], announce: boolean): Promise<void> {
    if (announce) await this.enqueueNow(jobs);
    else await this.add(jobs);
  }

  /**
   * Marks jobs cancelled before any is asked to stop, so a flow node that becomes runnable
   * while its tree is being cancelled is refused by the worker that picks it up.
   */
  async markCancelled(jobs: JobRecord[], reason: string): Promise<void> {
    if (jobs.length === 0) return;
    const m = this.redis.multi();
    for (const j of jobs) m.set(cancelMarkerKey(this.prefix, j.id), reason, 'EX', 3600);
    await m.exec();
  }

  /**
   * Removes a waiting or delayed job, or asks the worker running an active one
   * to abort it. Resolves to the status the job ends in.
   */
  async cancel(job: JobRecord, reason: string): Promise<JobStatus> {
    const q = this.queue(job.queue);
    const bj = await q.getJob(job.id);
    if (!bj)
      throw conflict(`job ${job.id} has already finished and was cleaned up; nothing to cancel`);
    const state = await bj.getState();
    if (state === 'completed' || state === 'failed') {
      throw conflict(
        `job ${job.id} has already finished (${state === 'completed' ? 'SUCCEEDED' : 'FAILED'}); nothing to cancel`,
      );
    }
    if (state !== 'active') {
      // Kept for the parent of a flow node, which reads why its removed child is gone.
      if (bj.data?.flow?.parent)
        await this.redis.set(cancelMarkerKey(this.prefix, job.id), reason, 'EX', 3600);
      try {
        await bj.remove();
        await this.emitter.emitOne(eventOf(job, JobEventType.CANCELLED, { message: reason }));
        return JobStatus.CANCELLED;
      } catch {
        // Picked up by a worker between the two calls: cancel it as an active job.
      }
    }
    await this.redis.set(cancelMarkerKey(this.prefix, job.id), reason, 'EX', 3600);
    await this.redis.publish(this.keys.cancelChannel, JSON.stringify({ jobId: job.id, reason }));
    return this.waitForEnd(bj, 5000);
  }

  private async waitForEnd(bj: BullJob<BullmqJobData>, timeoutMs: number): Promise<JobStatus> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const state = await bj.getState();
      if (state === 'failed' || state === 'unknown') return JobStatus.CANCELLED;
      if (state === 'completed') return JobStatus.SUCCEEDED;
      if (Date.now() > until) return JobStatus.RUNNING;
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Runs a FAILED or CANCELLED job again, with its full attempts. */
  async retry(job: JobRecord): Promise<JobEvent> {
    const q = this.queue(job.queue);
    const bj = await q.getJob(job.id);
    await this.redis.del(cancelMarkerKey(this.prefix, job.id));
    const state = bj ? await bj.getState() : 'unknown';
    if (bj && state !== 'failed')
      throw conflict(
        `job ${job.id} is ${job.status}; only FAILED or CANCELLED jobs can be retried`,
      );
    const event = await this.emitter.emitOne(
      eventOf(job, JobEventType.QUEUED, { meta: { retry: true } }),
    );
    if (bj) await bj.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
    // Cancelled while waiting (removed): add it again under the same id.
    else await q.add(job.type, dataOf(job), { ...this.options(job), delay: 0 });
    return event;
  }

  async exists(job: JobRecord): Promise<boolean> {
    return !!(await this.queue(job.queue).getJob(job.id));
  }

  /**
   * How BullMQ's latest run of the job stands: COMPLETED or FAILED (CANCELLED for a cancel)
   * once it is in the completed or failed set, else RUNNING.
   */
  async outcome(job: JobRecord): Promise<RunOutcome | null> {
    const bj = await this.queue(job.queue).getJob(job.id);
    if (!bj || bj.data?.tenant !== job.tenant) return null;
    const state = await bj.getState();
    const attempt = Math.max(bj.attemptsStarted ?? 0, bj.attemptsMade);
    const base = { runId: String(attempt), attempt, closeTime: null };
    if (state === 'completed')
      return {
        ...base,
        status: 'COMPLETED',
        closeTime: new Date(bj.finishedOn ?? Date.now()),
        result: bj.returnvalue ?? null,
      };
    if (state === 'failed') {
      const cancelled = bj.failedReason === CANCELLED_REASON;
      return {
        ...base,
        status: cancelled ? 'CANCELLED' : 'FAILED',
        closeTime: new Date(bj.finishedOn ?? Date.now()),
        message: cancelled
          ? ((await this.redis.get(cancelMarkerKey(this.prefix, job.id))) ?? 'cancelled')
          : bj.failedReason,
      };
    }
    return { ...base, status: 'RUNNING' };
  }

  /** Counts of every BullMQ queue a registered type uses. */
  async stats(): Promise<QueueCounts[]> {
    return Promise.all(this.catalog.queues().map((q) => this.queueStats(q)));
  }

  /** Whether the queue is paused (for every tenant). */
  isPaused(name: string): Promise<boolean> {
    return this.queue(name).isPaused();
  }

  async queueStats(name: string): Promise<QueueCounts> {
    const q = this.queue(name);
    const [c, paused] = await Promise.all([
      q.getJobCounts(
        'waiting',
        'prioritized',
        'paused',
        'waiting-children',
        'active',
        'delayed',
        'completed',
        'failed',
      ),
      q.isPaused(),
    ]);
    return {
      name,
      backend: Backend.BULLMQ,
      paused,
      waiting:
        (c.waiting ?? 0) + (c.prioritized ?? 0) + (c.paused ?? 0) + (c['waiting-children'] ?? 0),
      active: c.active ?? 0,
      delayed: c.delayed ?? 0,
      completed: c.completed ?? 0,
      failed: c.failed ?? 0,
    };
  }

  async pause(name: string): Promise<void> {
    await this.queue(name).pause();
  }

  async resume(name: string): Promise<void> {
    await this.queue(name).resume();
  }

  async close(): Promise<void> {
    await this.flowLane?.close();
    await Promise.all([...this.queues.values()].map((q) => q.close()));
    this.queues.clear();
  }
}
