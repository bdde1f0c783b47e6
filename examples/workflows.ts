/**
 * The demo workflows, written with `jobgate/workflow`: each is called with its input and
 * reports through progress, waiting and compensating. STARTED, SIGNALED, COMPLETED, FAILED,
 * CANCELLED and ACTIVITY_* events come from jobgate without a call.
 */
import {
  ApplicationFailure,
  CancellationScope,
  compensating,
  condition,
  currentJob,
  defineQuery,
  defineSignal,
  failWith,
  isCancellation,
  jobActivities,
  progress,
  rootMessage,
  setHandler,
  waiting,
} from 'jobgate/workflow';
import type * as activities from './activities';

type Activities = typeof activities;

/** Payload of the `approve` and `reject` signals. */
export interface Decision {
  by: string;
  comment?: string;
}

export const approveSignal = defineSignal<[Decision]>('approve');
export const rejectSignal = defineSignal<[Decision]>('reject');
/** Every demo workflow answers `state` with a JSON object describing where it is. */
export const stateQuery = defineQuery<Record<string, unknown>>('state');

/** Input of `approval`. */
export interface ApprovalInput {
  /** How long to wait for a decision, s. @defaultValue the type's timeout */
  timeoutSeconds?: number;
}

/** Waits for a person: `approve` or `reject` with `{by, comment?}`; fails when nobody decides in time. */
export async function approval(
  input: ApprovalInput | undefined,
): Promise<{ approved: boolean; by: string }> {
  const state: { status: string; by: string | null; comment: string | null } = {
    status: 'WAITING',
    by: null,
    comment: null,
  };
  let decided = false;
  const decide = (approved: boolean) => (d: Decision) => {
    if (decided) return;
    decided = true;
    Object.assign(state, {
      status: approved ? 'APPROVED' : 'REJECTED',
      by: d.by,
      comment: d.comment ?? null,
    });
  };
  setHandler(approveSignal, decide(true));
  setHandler(rejectSignal, decide(false));
  setHandler(stateQuery, () => state);
  const timeoutMs = input?.timeoutSeconds ? input.timeoutSeconds * 1000 : currentJob().timeoutMs;
  if (!decided) waiting('waiting for signal approve or reject');
  if (!(await condition(() => decided, timeoutMs))) {
    state.status = 'TIMED_OUT';
    throw ApplicationFailure.nonRetryable(
      `approval timed out after ${Math.round(timeoutMs / 1000)} s: no approve or reject signal arrived`,
      'ApprovalTimeout',
    );
  }
  return { approved: state.status === 'APPROVED', by: state.by as string };
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
 * Runs the steps in order. When one fails, or the workflow is cancelled, it compensates the
 * completed steps in reverse order (each announced by a COMPENSATING event naming it), then
 * ends FAILED or CANCELLED.
 */
export async function saga({ steps, failAt, stepMs = 0 }: SagaInput): Promise<{
  completed: string[];
}> {
  const state = {
    phase: 'running',
    current: null as string | null,
    completed: [] as string[],
    compensated: [] as string[],
  };
  setHandler(stateQuery, () => state);
  const done: { step: string; index: number }[] = [];
  try {
    for (const [index, step] of steps.entries()) {
      state.current = step;
      await jobActivities<Activities>({ activityId: `step-${index}-${step}` }).sagaStep({
        step,
        index,
        fail: step === failAt,
        stepMs,
      });
      done.push({ step, index });
      state.completed.push(step);
      progress(Math.floor(((index + 1) * 100) / steps.length), { step });
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
        compensating(step);
        await jobActivities<Activities>({
          activityId: `compensate-${index}-${step}`,
          maxAttempts: Math.max(currentJob().maxAttempts, 10),
        }).sagaCompensate({ step, index, fail: false, stepMs });
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
}

/** Input of `batch`. */
export interface BatchInput {
  items: unknown[];
  /** Items processed at once. @defaultValue 5 */
  concurrency?: number;
}

/** Processes every item in its own activity, at most `concurrency` at once; PROGRESS as each finishes. */
export async function batch({ items, concurrency = 5 }: BatchInput): Promise<{
  processed: number;
}> {
  const state = { total: items.length, processed: 0, failedItem: null as number | null };
  setHandler(stateQuery, () => state);
  let next = 0;
  let failure: unknown;
  const lane = async (): Promise<void> => {
    while (failure === undefined && next < items.length) {
      const index = next++;
      try {
        await jobActivities<Activities>({ activityId: `item-${index}` }).batchItem({
          index,
          item: items[index],
        });
      } catch (err) {
        if (failure === undefined) {
          failure = err;
          state.failedItem = index;
        }
        return;
      }
      state.processed++;
      progress(Math.floor((state.processed * 100) / items.length), {
        processed: state.processed,
        total: items.length,
        item: index,
      });
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, concurrency), items.length) }, lane));
  if (failure !== undefined) {
    if (isCancellation(failure)) throw failure;
    throw failWith(
      failure,
      `batch item ${state.failedItem} failed: ${rootMessage(failure)}; ${state.processed} of ${items.length} processed`,
    );
  }
  return { processed: state.processed };
}
