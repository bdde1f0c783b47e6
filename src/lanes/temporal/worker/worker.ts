import { bundleWorkflowCode, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import type { InjectedSinks, WorkflowBundle } from '@temporalio/worker';
import type { Logger } from 'pino';
import type { BusEmitter } from '../../../bus/event-emitter';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Backend, JobEventType } from '../../../model/enums';
import type { QueueLimits } from '../../worker/queue-limits';
import type { JobLogger } from '../../worker/job-logger';
import type { ServedJob } from '../../worker/served-job';
import { createActivities } from './activities';
import { createFlowActivities } from './flow-activities';
import { createChildJobActivities } from './child-jobs';
import type { ChildJobDeps } from './child-jobs';
import { activityEventsInterceptor } from './interceptors';
import { taskQueueName } from '../contract';
import { PinoTemporalLogger } from './temporal-logger';
import type { JobgateSinks, SinkEvent } from '../contract';
import type { ScheduledRun } from '../../../model/schedule';

export interface TemporalWorkerOptions {
  /** Temporal frontend, host:port. */
  address: string;
  /** Namespace to poll. */
  namespace: string;
  /** Task queues are `${prefix}-${queue}`. */
  prefix: string;
  /** Where sinks, activities and the interceptor send events. */
  emitter: BusEmitter;
  log: Logger;
  /** Called with each workflow's final outcome and its run's duration (metrics). */
  onFinished?: (jobType: string, outcome: 'completed' | 'failed' | 'cancelled', ms: number) => void;
  /** Queues to serve, each a task queue, with the limits its activities run under. */
  queues: QueueLimits[];
  /** The job types this process runs, by name (their `run` becomes the runProcessor activity). */
  jobs: ReadonlyMap<string, ServedJob>;
  /** Modules of users' workflows, bundled with jobgate's own. @defaultValue none */
  workflowsPaths?: string[];
  /** Writes a scheduled run's row and QUEUED event (see ScheduledRuns). */
  recordScheduledRun?: (run: ScheduledRun) => Promise<unknown>;
  /** Users' activities, by name. @defaultValue none */
  activities?: Readonly<Record<string, (...args: never[]) => Promise<unknown>>>;
  logger: JobLogger;
  /** What `executeChild` of a registered job type needs (the store and the registry); without it, workflows cannot start child jobs. */
  childJobs?: ChildJobDeps;
  /** How long shutdown lets running activities finish before cancelling them, ms. @defaultValue 10000 */
  shutdownGraceMs?: number;
  /**
   * How long a workflow task waits on this worker's sticky queue before any
   * worker may take it; bounds the pause after a worker dies, ms. @defaultValue 3000
   */
  stickyTimeoutMs?: number;
}

const FINAL_OUTCOMES: Partial<Record<string, 'completed' | 'failed' | 'cancelled'>> = {
  COMPLETED: 'completed',
  FAILED: 'failed',
  CANCELLED: 'cancelled',
};

const bundles = new Map<string, Promise<WorkflowBundle>>();

/**
 * The workflow bundle of jobgate's own workflows and the users' modules, built once per
 * process for each set of modules. Resolves jobgate's files next to this one: the compiled
 * JS under dist/, or the TypeScript source under ts-jest (the SDK's bundler compiles it with
 * swc). Users' `jobgate/workflow` imports resolve to this same copy of jobgate.
 */
export function workflowBundle(
  log: Logger,
  workflowsPaths: string[] = [],
): Promise<WorkflowBundle> {
  const paths = [require.resolve('./workflows'), ...new Set(workflowsPaths)];
  const key = paths.join('\n');
  let bundle = bundles.get(key);
  if (!bundle) {
    const entry = join(mkdtempSync(join(tmpdir(), 'jobgate-workflows-')), 'index.js');
    writeFileSync(entry, paths.map((p) => `export * from ${JSON.stringify(p)};\n`).join(''));
    bundle = bundleWorkflowCode({
      workflowsPath: entry,
      workflowInterceptorModules: [require.resolve('./workflow-interceptors')],
      webpackConfigHook: (config) => {
        config.resolve = config.resolve ?? {};
        // The generated entry lives outside any package: Temporal's own modules resolve from
        // the node_modules that holds this copy of @temporalio/workflow.
        config.resolve.modules = [
          ...(config.resolve.modules ?? ['node_modules']),
          dirname(dirname(dirname(require.resolve('@temporalio/workflow/package.json')))),
        ];
        config.resolve.alias = {
          ...(config.resolve.alias as Record<string, string> | undefined),
          'jobgate/workflow$': require.resolve('../../../sdk/workflow'),
        };
        return config;
      },
      logger: new PinoTemporalLogger(
        log.child({ component: 'temporal-bundler' }, { level: 'warn' }),
      ),
    }).catch((err: unknown) => {
      bundles.delete(key);
      throw err;
    });
    bundles.set(key, bundle);
  }
  return bundle;
}

/** Routes the SDK's own logs into pino; only the first call in a process takes effect. */
function installRuntime(log: Logger): void {
  try {
    Runtime.install({
      logger: new PinoTemporalLogger(log.child({ component: 'temporal-sdk' })),
      // The native core's own warnings go to pino too, instead of raw to stderr.
      telemetryOptions: { logging: { filter: { core: 'WARN', other: 'ERROR' }, forward: {} } },
      // jobgate's own signal handling shuts workers down in order (runUntilSignal);
      // the SDK's handlers would shut them down underneath it and re-raise the signal.
      shutdownSignals: [],
    });
  } catch {
    // Already installed (a second worker in the same process): keep the first.
  }
}

/**
 * Sink events of one workflow go to the bus one after another, in the order the workflow made
 * them; its log() lines go through the job logger, which the workflow's final event flushes.
 */
function orderedSink(
  emitter: BusEmitter,
  logger: JobLogger,
  log: Logger,
  onFinished?: TemporalWorkerOptions['onFinished'],
): InjectedSinks<JobgateSinks> {
  const chains = new Map<string, Promise<void>>();
  return {
    jobgate: {
      emit: {
        callDuringReplay: false,
        fn: (info, e: SinkEvent) => {
          const prev = chains.get(info.workflowId) ?? Promise.resolve();
          const next = prev
            .then(async () => {
              const event = { ...e, source: Backend.TEMPORAL, workflowId: info.workflowId };
              if (e.type === JobEventType.LOG) {
                const { message, ...base } = event;
                await logger.log(base, message ?? '');
                return;
              }
              // The workflow's end (its own, or the interceptor's for a user workflow): first
              // the one line saying how many of its log() lines went over the limit, before the
              // end as a processor attempt's is, which also frees the workflow's count.
              if (FINAL_OUTCOMES[e.type])
                await logger
                  .flush(event)
                  .catch((err: unknown) =>
                    log.error({ err, workflowId: info.workflowId }, 'workflow log flush failed'),
                  );
              await emitter.emitOne(event);
            })
            .then(
              () => undefined,
              (err: unknown) =>
                log.error(
                  { err, workflowId: info.workflowId, type: e.type },
                  'workflow event emit failed',
                ),
            )
            .finally(() => {
              if (chains.get(info.workflowId) === next) chains.delete(info.workflowId);
            });
          chains.set(info.workflowId, next);
          const outcome = FINAL_OUTCOMES[e.type];
          if (outcome) onFinished?.(e.jobType, outcome, Date.now() - info.startTime.getTime());
          return next;
        },
      },
    },
  };
}

/**
 * Starts one Temporal worker per task queue (workflows and activities), all on
 * one connection and one workflow bundle. `close` drains them gracefully.
 */
export async function startTemporalWorker(
  o: TemporalWorkerOptions,
): Promise<{ close(): Promise<void>; active(): number }> {
  installRuntime(o.log);
  const code = await workflowBundle(o.log, o.workflowsPaths);
  const connection = await NativeConnection.connect({ address: o.address });
  const active = { n: 0 };
  const activities = {
    ...o.activities,
    ...createActivities({
      emitter: o.emitter,
      jobs: o.jobs,
      logger: o.logger,
      active,
      log: o.log,
      recordScheduledRun: o.recordScheduledRun,
    }),
    ...(o.childJobs ? createChildJobActivities(o.childJobs) : {}),
    ...createFlowActivities(o.emitter.connection, o.prefix),
  };
  const workers: Worker[] = [];
  try {
    for (const limits of o.queues) {
      workers.push(
        await Worker.create({
          connection,
          namespace: o.namespace,
          taskQueue: taskQueueName(o.prefix, limits.name),
          maxConcurrentActivityTaskExecutions: limits.concurrency,
          ...(limits.rateLimit
            ? {
                maxTaskQueueActivitiesPerSecond:
                  limits.rateLimit.max / (limits.rateLimit.durationMs / 1000),
              }
            : {}),
          workflowBundle: code,
          activities,
          sinks: orderedSink(o.emitter, o.logger, o.log, o.onFinished),
          interceptors: { activity: [activityEventsInterceptor(o.emitter, o.log)] },
          shutdownGraceTime: o.shutdownGraceMs ?? 10_000,
          stickyQueueScheduleToStartTimeout: o.stickyTimeoutMs ?? 3000,
          // Heartbeats reach the server within a second, and with them the news of a cancellation.
          maxHeartbeatThrottleInterval: '1s',
          defaultHeartbeatThrottleInterval: '1s',
        }),
      );
    }
  } catch (err) {
    await connection.close();
    throw err;
  }
  const runs = workers.map((w) =>
    w
      .run()
      .catch((err: unknown) =>
        o.log.error(
          { err, taskQueue: w.options.taskQueue },
          'Temporal worker stopped with an error',
        ),
      ),
  );
  o.log.info(
    { taskQueues: workers.map((w) => w.options.taskQueue), namespace: o.namespace },
    'Temporal worker running',
  );
  return {
    active: () => active.n,
    async close() {
      for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
      await Promise.all(runs);
      await connection.close();
    },
  };
}
