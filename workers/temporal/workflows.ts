import {
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  setHandler,
} from '@temporalio/workflow';
import { JobEventType } from '../../src/model/enums';
import type * as activities from './activities';
import { approveSignal, cancelReasonSignal, rejectSignal, stateQuery } from './shared';
import type { ApprovalDecision, SinkEvent, WorkflowJob } from './shared';
import { asFailure, emitFor, failWith, policyActivities, rootMessage } from './workflow-kit';

type Activities = activities.JobgateActivities;

const emit = (w: WorkflowJob, type: JobEventType, extra: Partial<SinkEvent> = {}): void =>
  emitFor(w.job, type, extra);

/** Activities with the job's retry policy (see policyActivities). */
const acts = (w: WorkflowJob, activityId: string, maxAttempts = w.maxAttempts): Activities =>
  policyActivities<Activities>(w, activityId, maxAttempts);

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
