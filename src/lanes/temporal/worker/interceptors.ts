import type { Context } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure, defaultPayloadConverter } from '@temporalio/common';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import type { Logger } from 'pino';
import type { BusEmitter } from '../../../bus/event-emitter';
import type { NewJobEvent } from '../../../model/job-event';
import { JobEventType, JobStatus } from '../../../model/enums';
import { JOB_HEADER, temporalEvent } from '../contract';
import type { ActivityArgs, JobRef } from '../contract';

/** The error type Temporal's retry policy matches against `nonRetryableErrorTypes`. */
const errorType = (err: unknown): string =>
  err instanceof ApplicationFailure ? (err.type ?? 'Error') : ((err as Error)?.name ?? 'Error');

/** Whether Temporal will run another attempt after this one failed with `err`. */
export function willRetry(ctx: Context, err: unknown): boolean {
  if (ctx.cancellationSignal.aborted || err instanceof CancelledFailure) return false;
  if (err instanceof ApplicationFailure && err.nonRetryable) return false;
  const policy = ctx.info.retryPolicy;
  if (policy?.nonRetryableErrorTypes?.includes(errorType(err))) return false;
  const max = policy?.maximumAttempts ?? 0;
  return max === 0 || ctx.info.attempt < max;
}

/**
 * Emits ACTIVITY_STARTED, ACTIVITY_COMPLETED and ACTIVITY_FAILED (with the
 * attempt) around every jobgate activity, and RETRYING when Temporal will try
 * again. Each is on the bus before the activity's outcome reaches the server,
 * so it precedes whatever the workflow emits next. A failed emit is logged,
 * never turned into an activity failure (that would redo finished work).
 */
export function activityEventsInterceptor(
  emitter: BusEmitter,
  log: Logger,
): ActivityInterceptorsFactory {
  return (ctx) => ({
    inbound: {
      async execute(input, next) {
        const header = input.headers[JOB_HEADER];
        const job = header
          ? defaultPayloadConverter.fromPayload<JobRef>(header)
          : (input.args[0] as Partial<ActivityArgs> | undefined)?.job;
        if (!job) return next(input);
        const { attempt, activityId, activityType } = ctx.info;
        const args = (input.args[0] ?? {}) as { step?: unknown; index?: unknown };
        const meta: Record<string, unknown> = { activityType };
        if (typeof args.step === 'string') meta.step = args.step;
        else if (typeof args.index === 'number') meta.item = args.index;
        const send = async (
          type: JobEventType,
          extra: Partial<NewJobEvent> = {},
        ): Promise<void> => {
          try {
            await emitter.emitOne(
              temporalEvent(job, type, {
                attempt,
                activityId,
                ...extra,
                meta: { ...meta, ...extra.meta },
              }),
            );
          } catch (err) {
            log.error({ err, jobId: job.jobId, type }, 'activity event emit failed');
          }
        };
        // A retry runs again after RETRYING (DELAYED): the new attempt puts the job back to RUNNING.
        await send(JobEventType.ACTIVITY_STARTED, attempt > 1 ? { status: JobStatus.RUNNING } : {});
        try {
          const result = await next(input);
          await send(JobEventType.ACTIVITY_COMPLETED);
          return result;
        } catch (err) {
          const retry = willRetry(ctx, err);
          const message = (err as Error)?.message ?? String(err);
          const cancelled = ctx.cancellationSignal.aborted;
          await send(JobEventType.ACTIVITY_FAILED, {
            message,
            meta: { willRetry: retry, ...(cancelled ? { cancelled } : {}) },
          });
          if (retry)
            await send(JobEventType.RETRYING, { message, meta: { nextAttempt: attempt + 1 } });
          throw err;
        }
      },
    },
  });
}
