import { ApplicationFailure, CancelledFailure, Context } from '@temporalio/activity';
import type { Logger } from 'pino';
import type { BusEmitter } from '../../src/bus/event-emitter';
import { JobCancelledError, NonRetryableError } from '../../src/model/processor';
import { JobEventType } from '../../src/model/enums';
import type { JobLogger } from '../shared/job-logger';
import { runAttempt } from '../shared/run-attempt';
import type { ServedJob } from '../shared/served-job';
import { temporalEvent } from './shared';
import type { ActivityArgs } from './shared';

/** What the activities need from the worker process. */
export interface ActivityDeps {
  emitter: BusEmitter;
  /** The job types this process runs, by name; the same map the BullMQ worker runs. */
  jobs: ReadonlyMap<string, ServedJob>;
  logger: JobLogger;
  /** Largest result kept, bytes of JSON. @defaultValue 1048576 */
  maxResultBytes?: number;
  log: Logger;
}

/** One saga step; `fail` makes it throw on every attempt. */
export interface SagaStepArgs extends ActivityArgs {
  step: string;
  index: number;
  fail: boolean;
  /** How long the step works, ms. @defaultValue 0 */
  stepMs: number;
}

/**
 * One batch item. An item `{ms}` works that long; an item `{fail: true | string}`
 * fails on every attempt (with that message); anything else succeeds at once.
 */
export interface BatchItemArgs extends ActivityArgs {
  index: number;
  item: unknown;
}

/** Runs `fn` while heartbeating, so the server sees the worker alive and can deliver cancellation. */
async function heartbeating<T>(fn: () => Promise<T>): Promise<T> {
  const ctx = Context.current();
  const every = Math.min(1000, Math.max(200, (ctx.info.heartbeatTimeoutMs ?? 3000) / 3));
  ctx.heartbeat();
  const timer = setInterval(() => ctx.heartbeat(), every);
  try {
    return await fn();
  } finally {
    clearInterval(timer);
  }
}

/** The failure to throw when `err` ended an activity: cancellation wins, then non-retryable. */
function activityFailure(err: unknown): unknown {
  const signal = Context.current().cancellationSignal;
  if (signal.aborted)
    return signal.reason instanceof CancelledFailure
      ? signal.reason
      : new CancelledFailure('cancelled');
  if (err instanceof JobCancelledError) return new CancelledFailure(err.message);
  if (err instanceof NonRetryableError)
    return ApplicationFailure.nonRetryable(err.message, 'NonRetryableError');
  return err;
}

const asObject = (v: unknown): Record<string, unknown> =>
  v && typeof v === 'object' ? (v as Record<string, unknown>) : {};

/** Builds the activities of the Temporal worker; tests may pass their own processors. */
export function createActivities(deps: ActivityDeps) {
  return {
    /** Runs one attempt of the job type's `run`; Temporal's retry policy drives the attempts. */
    async runProcessor(a: ActivityArgs & { input: unknown }): Promise<unknown> {
      const served = deps.jobs.get(a.job.jobType);
      if (!served)
        throw ApplicationFailure.nonRetryable(
          `no processor for job type '${a.job.jobType}' in this worker`,
          'NoProcessor',
        );
      const ctx = Context.current();
      const { attempt, activityId } = ctx.info;
      const base = temporalEvent(a.job, JobEventType.LOG, { attempt, activityId });
      try {
        return await heartbeating(() =>
          runAttempt({
            def: served.def,
            check: served.check,
            input: a.input,
            timeoutMs: served.timeoutMs,
            maxResultBytes: deps.maxResultBytes ?? 1_048_576,
            cancel: ctx.cancellationSignal,
            ctx: {
              jobId: a.job.jobId,
              attempt,
              progress: async (n) => {
                const progress = Math.max(0, Math.min(100, n));
                ctx.heartbeat({ progress });
                await deps.emitter.emitOne(
                  temporalEvent(a.job, JobEventType.PROGRESS, { attempt, activityId, progress }),
                );
              },
              log: (line) => deps.logger.log(base, line),
              children: async () => [],
            },
          }),
        );
      } catch (err) {
        throw activityFailure(err);
      } finally {
        await deps.logger.flush(base);
      }
    },

    async sagaStep(a: SagaStepArgs): Promise<{ step: string }> {
      await heartbeating(() => Context.current().sleep(a.stepMs));
      if (a.fail) throw new Error(`step '${a.step}' failed`);
      return { step: a.step };
    },

    async sagaCompensate(a: SagaStepArgs): Promise<{ compensated: string }> {
      await heartbeating(() => Context.current().sleep(a.stepMs));
      return { compensated: a.step };
    },

    async batchItem(a: BatchItemArgs): Promise<{ index: number }> {
      const item = asObject(a.item);
      const ms = typeof item.ms === 'number' ? item.ms : 0;
      if (ms > 0) await heartbeating(() => Context.current().sleep(ms));
      if (item.fail)
        throw new Error(typeof item.fail === 'string' ? item.fail : `item ${a.index} failed`);
      return { index: a.index };
    },
  };
}

/** The activities object a worker registers, as workflows see it. */
export type JobgateActivities = ReturnType<typeof createActivities>;
