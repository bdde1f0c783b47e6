import { ApplicationFailure, CancelledFailure, Context } from '@temporalio/activity';
import type { Logger } from 'pino';
import type { BusEmitter } from '../../../bus/event-emitter';
import { JobCancelledError, NonRetryableError } from '../../../model/processor';
import { JobEventType } from '../../../model/enums';
import type { JobLogger } from '../../worker/job-logger';
import { runAttempt } from '../../worker/run-attempt';
import type { ServedJob } from '../../worker/served-job';
import { temporalEvent } from '../contract';
import type { ActivityArgs, ScheduledRunArgs } from '../contract';
import { Backend } from '../../../model/enums';
import type { ScheduledRun } from '../../../model/schedule';
import type { ChildOutcome } from '../../../model/flow';

/** What the activities need from the worker process. */
export interface ActivityDeps {
  emitter: BusEmitter;
  /** The job types this process runs, by name; the same map the BullMQ worker runs. */
  jobs: ReadonlyMap<string, ServedJob>;
  logger: JobLogger;
  /** Largest result kept, bytes of JSON. @defaultValue 1048576 */
  maxResultBytes?: number;
  /** Counts attempts running now (heartbeats report it). */
  active?: { n: number };
  log: Logger;
  /** Writes a scheduled run's row and QUEUED event, once per run (see ScheduledRuns). */
  recordScheduledRun?: (run: ScheduledRun) => Promise<unknown>;
}

/** The due time Temporal appended to a scheduled workflow's id (`...-2026-12-01T13:00:00Z`). */
const dueAtOf = (workflowId: string): Date | null => {
  const m = /-(\d{4}-\d{2}-\d{2}T[\d:.]+Z)$/.exec(workflowId);
  return m ? new Date(m[1]) : null;
};

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

/** Builds the activities of the Temporal worker; tests may pass their own processors. */
export function createActivities(deps: ActivityDeps) {
  return {
    /** Writes the row and QUEUED of a run a Temporal Schedule started; a repeat does nothing. */
    async recordScheduledRun(a: ScheduledRunArgs): Promise<void> {
      if (!deps.recordScheduledRun)
        throw ApplicationFailure.nonRetryable(
          'this worker cannot record scheduled runs (no store)',
          'NoProcessor',
        );
      await deps.recordScheduledRun({
        jobId: a.run.jobId,
        scheduleId: a.scheduleId,
        priority: a.priority ?? null,
        tenant: a.run.tenant,
        type: a.run.jobType,
        backend: Backend.TEMPORAL,
        queue: a.run.queue,
        input: a.input,
        dueAt: dueAtOf(a.run.jobId),
      });
    },
    /** Runs one attempt of the job type's `run`; Temporal's retry policy drives the attempts. */
    async runProcessor(
      a: ActivityArgs & { input: unknown; children?: ChildOutcome[] },
    ): Promise<unknown> {
      const served = deps.jobs.get(a.job.jobType);
      if (!served)
        throw ApplicationFailure.nonRetryable(
          `no processor for job type '${a.job.jobType}' in this worker`,
          'NoProcessor',
        );
      const ctx = Context.current();
      const { attempt, activityId } = ctx.info;
      const base = temporalEvent(a.job, JobEventType.LOG, { attempt, activityId });
      if (deps.active) deps.active.n++;
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
              children: async () => a.children ?? [],
            },
          }),
        );
      } catch (err) {
        throw activityFailure(err);
      } finally {
        if (deps.active) deps.active.n--;
        await deps.logger.flush(base);
      }
    },
  };
}

/** The activities object a worker registers, as workflows see it. */
export type JobgateActivities = ReturnType<typeof createActivities>;
