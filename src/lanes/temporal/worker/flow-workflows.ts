/**
 * One node of a TEMPORAL flow as a workflow: it starts its children as child workflows (each a
 * jobgate job under its own id), waits for all of them, then runs its own processor as an
 * activity with their outcomes, or ends FAILED without running when a FAIL_PARENT child did
 * not succeed. Runs in the workflow sandbox.
 */
import {
  ApplicationFailure,
  CancellationScope,
  executeChild,
  isCancellation,
  setHandler,
} from '@temporalio/workflow';
import { JobEventType } from '../../../model/enums';
import { ChildFailurePolicy, waitingMessage } from '../../../model/flow';
import type { ChildOutcome } from '../../../model/flow';
import type * as activities from './activities';
import { cancelReasonSignal, stateQuery } from '../contract';
import type { FlowNodeJob } from '../contract';
import { asFailure, childOptions, emitFor, failedChild, policyActivities } from './workflow-kit';

type Activities = activities.JobgateActivities;

/** Why a parent ends without running: the first FAIL_PARENT child that did not succeed. */
function blockingFailure(w: FlowNodeJob, outcomes: ChildOutcome[]): string | null {
  for (const [i, o] of outcomes.entries()) {
    if (o.status === 'SUCCEEDED') continue;
    if (w.children[i].onFailure === ChildFailurePolicy.IGNORE) continue;
    const what = o.status === 'CANCELLED' ? 'was cancelled' : 'failed';
    return `child ${o.id} (${o.type}) ${what}: ${o.error ?? 'no reason given'}`;
  }
  return null;
}

export async function runFlowNode(w: FlowNodeJob): Promise<unknown> {
  const total = w.children.length + w.done.length;
  const state: Record<string, unknown> = {
    phase: 'waiting-children',
    childrenLeft: w.children.length,
  };
  setHandler(stateQuery, () => state);
  let cancelReason = 'cancelled';
  setHandler(cancelReasonSignal, (reason) => {
    cancelReason = reason;
  });
  let started = false;
  try {
    let left = w.children.length;
    const outcomes = await Promise.all(
      w.children.map(async (c): Promise<ChildOutcome> => {
        let o: ChildOutcome;
        try {
          const result = await executeChild(c.workflowType, childOptions(c));
          o = { id: c.ref.jobId, type: c.ref.jobType, status: 'SUCCEEDED', result: result ?? null };
        } catch (err) {
          if (CancellationScope.current().consideredCancelled) throw err;
          o = failedChild(c, err);
        }
        left--;
        state.childrenLeft = left;
        if (left > 0)
          emitFor(w.job, JobEventType.WAITING, { message: waitingMessage(left, total) });
        return o;
      }),
    );
    const blocked = blockingFailure(w, outcomes);
    if (blocked) throw ApplicationFailure.nonRetryable(blocked, 'ChildFailed');
    state.phase = 'running';
    started = true;
    emitFor(w.job, JobEventType.STARTED);
    const result = await policyActivities<Activities>(w, 'processor').runProcessor({
      job: w.job,
      input: w.input,
      children: [...w.done, ...outcomes],
    });
    emitFor(w.job, JobEventType.COMPLETED, { meta: { result: result ?? null } });
    return result;
  } catch (err) {
    if (isCancellation(err) && CancellationScope.current().consideredCancelled) {
      emitFor(w.job, JobEventType.CANCELLED, { message: cancelReason });
      throw err;
    }
    const failure = asFailure(err);
    emitFor(w.job, JobEventType.FAILED, {
      message: failure.message,
      ...(started ? {} : { meta: { ranProcessor: false } }),
    });
    throw failure;
  } finally {
    state.phase = 'finished';
  }
}
