import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { BullmqWorkers } from '../lanes/bullmq/worker/bullmq-worker';
import type { QueueLimits } from '../lanes/worker/queue-limits';
import { JobLogger } from '../lanes/worker/job-logger';
import type { ServedJob } from '../lanes/worker/served-job';
import { startTemporalWorker } from '../lanes/temporal/worker/worker';
import type { BusEmitter } from '../bus/event-emitter';
import { busKeys } from '../bus/bus-keys';
import type { Config } from '../config';
import { Backend } from '../model/enums';
import type { TypeRegistry } from '../registry/type-registry';
import type { JobStore } from '../store/job-store';
import { startHeartbeat } from '../registry/worker-presence';
import type { WorkerPresence } from '../registry/worker-presence';
import type { Definition } from '../sdk/definition-types';
import { inputChecker } from '../sdk/input-check';
import { resolveDefinitions } from '../sdk/resolve';
import type { ResolvedDefinitions } from '../sdk/resolve';
import type { ScheduledRun } from '../model/schedule';
import { workerServing } from './worker-serving';

/** What a worker process runs and what it talks to. */
export interface WorkerProcessOptions {
  config: Config;
  log: Logger;
  definitions: Definition[];
  redis: Redis;
  emitter: BusEmitter;
  registry: TypeRegistry;
  presence: WorkerPresence;
  /** The job store, for child jobs workflows start (`executeChild`). @defaultValue none */
  jobs?: JobStore;
  /** Lanes this worker serves. @defaultValue both (TEMPORAL only when TEMPORAL_ENABLED) */
  lanes?: Backend[];
  /** Only these queues. @defaultValue every queue of the definitions */
  queues?: string[];
  /** Called with each final outcome (metrics). */
  onFinished?: (
    jobType: string,
    lane: 'BULLMQ' | 'TEMPORAL',
    outcome: 'completed' | 'failed' | 'cancelled',
    ms: number,
  ) => void;
  /** Writes a scheduled run's row and QUEUED event, once per run (see ScheduledRuns). */
  recordScheduledRun?: (run: ScheduledRun) => Promise<unknown>;
  /** Upserts the schedules the definitions declare, after they are registered. */
  upsertSchedules?: (schedules: ResolvedDefinitions['schedules']) => Promise<void>;
}

/** A running worker: its id, and close() for a graceful stop (STOPPING, drain, unregister). */
export interface WorkerProcess {
  id: string;
  close(): Promise<void>;
}

/**
 * Starts a worker for users' definitions: registers them all, then serves processor types on
 * BullMQ (one worker per queue, with the queue's limits) and on Temporal (one worker per
 * task queue: the users' workflows bundled with jobgate's, processors and activities as
 * activities), and heartbeats what it serves: the types whose queue it works on a lane that
 * can run them (see workerServing).
 */
export async function startWorkerProcess(o: WorkerProcessOptions): Promise<WorkerProcess> {
  const { config, log } = o;
  const resolved = resolveDefinitions(o.definitions);
  const lanes = o.lanes ?? [Backend.BULLMQ, ...(config.TEMPORAL_ENABLED ? [Backend.TEMPORAL] : [])];
  const served = new Map<string, ServedJob>();
  for (const t of resolved.types) {
    const def = resolved.jobs.get(t.name);
    if (def) served.set(t.name, { def, check: inputChecker(def), timeoutMs: t.timeoutMs });
  }
  const limitsOf = (name: string): QueueLimits => {
    const q = resolved.queues.get(name);
    return {
      name,
      concurrency: q?.concurrency ?? config.WORKER_CONCURRENCY,
      globalConcurrency: q?.globalConcurrency,
      rateLimit: q?.rateLimit,
    };
  };
  const serving = workerServing(resolved.types, {
    lanes,
    queues: o.queues,
    concurrencyOf: (q) => limitsOf(q).concurrency,
  });
  const { bullmqQueues, temporalQueues } = serving;
  // Every loaded definition is registered, served here or not: gateways then know each type's
  // schema and accept its jobs, which wait for a worker that serves them. The heartbeat lists
  // only the types served here, so only those count this process in JobTypeInfo.workers.
  await o.registry.register(resolved.types);
  if (resolved.schedules.length) await o.upsertSchedules?.(resolved.schedules);

  const logger = new JobLogger(o.redis, config.JOBGATE_PREFIX, o.emitter, {
    maxLineBytes: config.LOG_MAX_LINE_BYTES,
    maxLines: config.LOG_MAX_LINES,
  });
  const closers: (() => Promise<void>)[] = [];
  let bullmq: BullmqWorkers | null = null;
  let temporal: { active(): number } | null = null;
  let stopping = false;
  const id = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const startedAt = new Date();
  const heartbeat = startHeartbeat(
    o.presence,
    () => ({
      id,
      host: hostname(),
      pid: process.pid,
      lanes: serving.lanes,
      queues: serving.queues,
      types: serving.types,
      concurrency: serving.concurrency,
      activeJobs: (bullmq?.active ?? 0) + (temporal?.active() ?? 0),
      startedAt,
      stopping,
    }),
    config.WORKER_HEARTBEAT_MS,
  );
  const close = async (): Promise<void> => {
    stopping = true;
    await heartbeat.beatNow().catch(() => undefined);
    for (const c of closers.reverse()) {
      try {
        await c();
      } catch (err) {
        log.error({ err }, 'error while stopping the worker');
      }
    }
    await heartbeat.stop();
    await o.presence.remove(id).catch(() => undefined);
  };
  try {
    if (bullmqQueues.length) {
      bullmq = new BullmqWorkers({
        redisUrl: config.REDIS_URL,
        prefix: config.JOBGATE_PREFIX,
        keys: busKeys(config.JOBGATE_PREFIX),
        queues: bullmqQueues.map(limitsOf),
        jobs: served,
        logger,
        maxResultBytes: config.MAX_RESULT_BYTES,
        lockMs: config.WORKER_LOCK_MS,
        stalledIntervalMs: config.WORKER_STALLED_INTERVAL_MS,
        emitter: o.emitter,
        log: log.child({ part: 'bullmq-worker' }),
        onFinished: (type, outcome, ms) => o.onFinished?.(type, 'BULLMQ', outcome, ms),
        recordScheduledRun: o.recordScheduledRun,
      });
      await bullmq.start();
      const b = bullmq;
      closers.push(() => b.close());
    }
    if (temporalQueues.length) {
      const t = await startTemporalWorker({
        address: config.TEMPORAL_ADDRESS,
        namespace: config.TEMPORAL_NAMESPACE,
        prefix: config.JOBGATE_PREFIX,
        emitter: o.emitter,
        log: log.child({ part: 'temporal-worker' }),
        queues: temporalQueues.map(limitsOf),
        jobs: served,
        workflowsPaths: [...resolved.workflows.values()].map((w) => w.options.workflowsPath),
        activities: resolved.activities,
        logger,
        ...(o.jobs
          ? {
              childJobs: {
                jobs: o.jobs,
                catalog: o.registry,
                emitter: o.emitter,
                prefix: config.JOBGATE_PREFIX,
              },
            }
          : {}),
        onFinished: (type, outcome, ms) => o.onFinished?.(type, 'TEMPORAL', outcome, ms),
        recordScheduledRun: o.recordScheduledRun,
      });
      temporal = t;
      closers.push(() => t.close());
    }
    await heartbeat.beatNow();
  } catch (err) {
    await close();
    throw err;
  }
  log.info(
    {
      id,
      types: Object.keys(serving.types),
      lanes: serving.lanes,
      queues: serving.queues,
    },
    'worker running',
  );
  return { id, close };
}
