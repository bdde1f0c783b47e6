import {
  ActivityCancellationType,
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  proxyActivities,
  proxySinks,
  setHandler,
  TimeoutFailure,
} from '@temporalio/workflow';
import type { ActivityOptions } from '@temporalio/workflow';
import { JobEventType } from '../../src/model/enums';
import type * as activities from './activities';
import {
  approveSignal,
  cancelReasonSignal,
  HEARTBEAT_TIMEOUT_MS,
  rejectSignal,
  stateQuery,
} from './shared';
import type { ApprovalDecision, JobgateSinks, SinkEvent, WorkflowJob } from './shared';

type Activities = activities.JobgateActivities;

const { jobgate } = proxySinks<JobgateSinks>();

function emit(w: WorkflowJob, type: JobEventType, extra: Partial<SinkEvent> = {}): void {
  const { jobId, tenant, jobType, queue } = w.job;
  jobgate.emit({ tenant, jobId, jobType, queue, type, ...extra });
}

/**
 * Activities with the job's retry policy; `activityId` names the call in history and events.
 * A call runs again, with a fresh attempt budget and the id `<activityId>~<run>`, when its
 * attempts ran out only because the worker or the server stopped hearing from it: a crash or
 * a restart is not the job's own failure.
 */
function acts(w: WorkflowJob, activityId: string, maxAttempts = w.maxAttempts): Activities {
  const options = (run: number): ActivityOptions => ({
    activityId: run === 1 ? activityId : `${activityId}~${run}`,
    startToCloseTimeout: w.timeoutMs,
    heartbeatTimeout: HEARTBEAT_TIMEOUT_MS,
    // Wait for the activity to stop, so nothing of it runs after the workflow's final event.
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    retry: {
      maximumAttempts: maxAttempts,
      initialInterval: Math.max(1, w.backoffMs),
      backoffCoefficient: 2,
      nonRetryableErrorTypes: ['NonRetryableError', 'NoProcessor'],
    },
  });
  return new Proxy({} as Activities, {
    get: (_target, name) => {
      return async (...args: unknown[]): Promise<unknown> => {
        for (let run = 1; ; run++) {
          const activity = proxyActivities<Activities>(options(run))[name as keyof Activities] as (
            ...a: unknown[]
          ) => Promise<unknown>;
          try {
            return await activity(...args);
          } catch (err) {
            if (!lostContact(err) || run > LOST_CONTACT_RERUNS) throw err;
          }
        }
      };
    },
  });
}

/** Times an activity is run again after its attempts ran out on heartbeat timeouts alone. */
const LOST_CONTACT_RERUNS = 5;

/** True when an activity failed because no heartbeat arrived in time (worker or server gone). */
const lostContact = (err: unknown): boolean =>
  err instanceof ActivityFailure &&
  err.cause instanceof TimeoutFailure &&
  err.cause.timeoutType === 'HEARTBEAT';

type Cause = { message?: string; name?: string; type?: string | null; cause?: unknown };

/** The innermost cause: its message is what a person wants to read. */
function root(err: unknown): Cause {
  let e = (err ?? {}) as Cause;
  while (e.cause && typeof e.cause === 'object') e = e.cause as Cause;
  return e;
}

const rootMessage = (err: unknown): string => root(err).message || String(err);

/** A non-retryable failure with `message`, keeping `err` as its cause. */
function failWith(err: unknown, message: string): ApplicationFailure {
  const r = root(err);
  return ApplicationFailure.create({
    message,
    type: r.type || r.name || 'Error',
    nonRetryable: true,
    cause: err instanceof Error ? err : undefined,
  });
}

/**
 * What fails the workflow: an ApplicationFailure thrown by workflow code as
 * is; anything else (an activity failure, or a plain Error, which would only
 * fail the workflow task, forever) as a failure with its innermost message.
 */
const asFailure = (err: unknown): ApplicationFailure =>
  err instanceof ApplicationFailure ? err : failWith(err, rootMessage(err));

/**
 * Emits STARTED, runs `body`, then emits exactly one of COMPLETED, FAILED or
 * CANCELLED. Sinks do not fire on replay, so a restarted worker repeats none of them.
 */
async function tracked<T>(w: WorkflowJob, body: () => Promise<T>): Promise<T> {
  let cancelReason = 'cancelled';
  setHandler(cancelReasonSignal, (reason) => {
    cancelReason = reason;
  });
  emit(w, JobEventType.STARTED);
  try {
    const result = await body();
    emit(w, JobEventType.COMPLETED, { meta: { result: result ?? null } });
    return result;
  } catch (err) {
    if (isCancellation(err) && CancellationScope.current().consideredCancelled) {
      emit(w, JobEventType.CANCELLED, { message: cancelReason });
      throw err;
    }
    const failure = asFailure(err);
    emit(w, JobEventType.FAILED, { message: failure.message });
    throw failure;
  }
}

/** Runs a catalog processor (echo, sleep, flaky, fail, ...) as one activity with Temporal's retries. */
export async function runProcessor(w: WorkflowJob): Promise<unknown> {
  const state = { phase: 'running' };
  setHandler(stateQuery, () => state);
  try {
    return await tracked(w, () =>
      acts(w, 'processor').runProcessor({ job: w.job, input: w.input }),
    );
  } finally {
    state.phase = 'finished';
  }
}

/** Input of `approval`. */
export interface ApprovalInput {
  /** How long to wait for a decision, s. @defaultValue the type's timeout */
  timeoutSeconds?: number;
}

/** Waits for a person: `approve` or `reject` with `{by, comment?}`; fails when nobody decides in time. */
export async function approval(
  w: WorkflowJob<ApprovalInput>,
): Promise<{ approved: boolean; by: string }> {
  const state: { status: string; by: string | null; comment: string | null } = {
    status: 'WAITING',
    by: null,
    comment: null,
  };
  let decided = false;
  return tracked(w, async () => {
    const decide = (approved: boolean) => (d: ApprovalDecision) => {
      if (decided) return;
      decided = true;
      Object.assign(state, {
        status: approved ? 'APPROVED' : 'REJECTED',
        by: d.by,
        comment: d.comment ?? null,
      });
      const signal = approved ? 'approve' : 'reject';
      emit(w, JobEventType.SIGNALED, {
        message: `${signal} by ${d.by}`,
        meta: { signal, by: d.by, comment: d.comment ?? null },
      });
    };
    setHandler(approveSignal, decide(true));
    setHandler(rejectSignal, decide(false));
    setHandler(stateQuery, () => state);
    const timeoutMs = w.input?.timeoutSeconds ? w.input.timeoutSeconds * 1000 : w.timeoutMs;
    if (!decided)
      emit(w, JobEventType.WAITING, { message: 'waiting for signal approve or reject' });
    if (!(await condition(() => decided, timeoutMs))) {
      state.status = 'TIMED_OUT';
      throw ApplicationFailure.nonRetryable(
        `approval timed out after ${Math.round(timeoutMs / 1000)} s: no approve or reject signal arrived`,
        'ApprovalTimeout',
      );
    }
    return { approved: state.status === 'APPROVED', by: state.by as string };
  });
}

/** Input of `saga`. */
export interface SagaInput {
  steps: string[];
  /** The step that fails (after its retries), which starts the compensation. */
  failAt?: string;
  /** How long each step and each compensation works, ms. @defaultValue 0 */
  stepMs?: number;
}

/**
 * Runs the steps in order. When one fails, or the workflow is cancelled, it
 * compensates the completed steps in reverse order (each announced by a
 * COMPENSATING event naming it), then ends FAILED or CANCELLED.
 */
export async function saga(w: WorkflowJob<SagaInput>): Promise<{ completed: string[] }> {
  const { steps, failAt, stepMs = 0 } = w.input;
  const state = {
    phase: 'running',
    current: null as string | null,
    completed: [] as string[],
    compensated: [] as string[],
  };
  setHandler(stateQuery, () => state);
  return tracked(w, async () => {
    const done: { step: string; index: number }[] = [];
    try {
      for (const [index, step] of steps.entries()) {
        state.current = step;
        await acts(w, `step-${index}-${step}`).sagaStep({
          job: w.job,
          step,
          index,
          fail: step === failAt,
          stepMs,
        });
        done.push({ step, index });
        state.completed.push(step);
        emit(w, JobEventType.PROGRESS, {
          progress: Math.floor(((index + 1) * 100) / steps.length),
          meta: { step },
        });
      }
      state.phase = 'completed';
      state.current = null;
      return { completed: state.completed };
    } catch (err) {
      const failedStep = state.current;
      state.phase = 'compensating';
      // Compensations must run to the end even when the workflow is being cancelled.
      await CancellationScope.nonCancellable(async () => {
        for (const { step, index } of [...done].reverse()) {
          state.current = step;
          emit(w, JobEventType.COMPENSATING, {
            message: `compensating step '${step}'`,
            meta: { step },
          });
          await acts(w, `compensate-${index}-${step}`, Math.max(w.maxAttempts, 10)).sagaCompensate({
            job: w.job,
            step,
            index,
            fail: false,
            stepMs,
          });
          state.compensated.push(step);
        }
      });
      state.current = null;
      if (isCancellation(err)) {
        state.phase = 'cancelled';
        throw err;
      }
      state.phase = 'failed';
      const undone = state.compensated.length
        ? `compensated ${state.compensated.join(', ')}`
        : 'nothing to compensate';
      throw failWith(err, `saga step '${failedStep}' failed: ${rootMessage(err)}; ${undone}`);
    }
  });
}

/** Input of `batch`. */
export interface BatchInput {
  items: unknown[];
  /** Items processed at once. @defaultValue 5 */
  concurrency?: number;
}

/** Processes every item in its own activity, at most `concurrency` at once; PROGRESS as each finishes. */
export async function batch(w: WorkflowJob<BatchInput>): Promise<{ processed: number }> {
  const { items, concurrency = 5 } = w.input;
  const state = { total: items.length, processed: 0, failedItem: null as number | null };
  setHandler(stateQuery, () => state);
  return tracked(w, async () => {
    let next = 0;
    let failure: unknown;
    const lane = async (): Promise<void> => {
      while (failure === undefined && next < items.length) {
        const index = next++;
        try {
          await acts(w, `item-${index}`).batchItem({ job: w.job, index, item: items[index] });
        } catch (err) {
          if (failure === undefined) {
            failure = err;
            state.failedItem = index;
          }
          return;
        }
        state.processed++;
        const progress = Math.floor((state.processed * 100) / items.length);
        emit(w, JobEventType.PROGRESS, {
          progress,
          meta: { processed: state.processed, total: items.length, item: index },
        });
      }
    };
    await Promise.all(
      Array.from({ length: Math.min(Math.max(1, concurrency), items.length) }, lane),
    );
    if (failure !== undefined) {
      if (isCancellation(failure)) throw failure;
      throw failWith(
        failure,
        `batch item ${state.failedItem} failed: ${rootMessage(failure)}; ${state.processed} of ${items.length} processed`,
      );
    }
    return { processed: state.processed };
  });
}
