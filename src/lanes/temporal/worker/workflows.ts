import { CancellationScope, isCancellation, setHandler, workflowInfo } from '@temporalio/workflow';
import { JobEventType } from '../../../model/enums';
import type * as activities from './activities';
import { cancelReasonSignal, stateQuery } from '../contract';
import type { SinkEvent, WorkflowJob } from '../contract';
import {
  asFailure,
  emitFor,
  emitReplaced,
  flowAdmitted,
  flowReleased,
  policyActivities,
  recordScheduledRun,
} from './workflow-kit';

type Activities = activities.JobgateActivities;

const emit = (w: WorkflowJob, type: JobEventType, extra: Partial<SinkEvent> = {}): void =>
  emitFor(w.job, type, extra);

/** Activities with the job's retry policy (see policyActivities). */
const acts = (w: WorkflowJob, activityId: string, maxAttempts = w.maxAttempts): Activities =>
  policyActivities<Activities>(w, activityId, maxAttempts);

/**
 * Waits for the job's per-key admission (see flowAdmitted), emits STARTED, runs `body`, then
 * emits exactly one of COMPLETED, FAILED or CANCELLED. A debounced job a later one replaced
 * ends CANCELLED without running. Sinks do not fire on replay, so a restarted worker repeats
 * none of them.
 */
async function tracked<T>(w: WorkflowJob, body: () => Promise<T>): Promise<T | null> {
  let cancelReason = 'cancelled';
  setHandler(cancelReasonSignal, (reason) => {
    cancelReason = reason;
  });
  try {
    const superseded = await flowAdmitted(w.job, w.flow);
    if (superseded) {
      emitReplaced(w.job, superseded.by);
      return null;
    }
    emit(w, JobEventType.STARTED);
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
  } finally {
    await flowReleased(w.job, w.flow);
  }
}

/**
 * A run a Temporal Schedule started: its job id is the workflow's id (unique per due time),
 * and its row and QUEUED are written (once: see ScheduledRuns) before anything else.
 */
async function scheduledRun(w: WorkflowJob): Promise<WorkflowJob> {
  const job = { ...w.job, jobId: workflowInfo().workflowId };
  await recordScheduledRun({
    run: job,
    scheduleId: w.scheduleId as string,
    input: w.input,
    priority: w.schedulePriority,
  });
  return { ...w, job };
}

/** Runs a registered job type's `run` as one activity with Temporal's retries. */
export async function runProcessor(started: WorkflowJob): Promise<unknown> {
  const w = started.scheduleId ? await scheduledRun(started) : started;
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
export { runFlowNode } from './flow-workflows';
