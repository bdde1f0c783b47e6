import type { WorkflowExecutionDescription } from '@temporalio/client';
import type { PendingActivityInfo, WorkflowInfo } from '../../model/workflow-info';

/** Names of Temporal's PendingActivityState values (temporal.api.enums.v1). */
const activityStates: Record<number, string> = {
  0: 'UNSPECIFIED',
  1: 'SCHEDULED',
  2: 'STARTED',
  3: 'CANCEL_REQUESTED',
  4: 'PAUSED',
  5: 'PAUSE_REQUESTED',
};

/** The parts of a describe answer jobgate shows as `Job.workflow`. */
export function toWorkflowInfo(d: WorkflowExecutionDescription): WorkflowInfo {
  const pendingActivities: PendingActivityInfo[] = (d.raw.pendingActivities ?? []).map((a) => ({
    activityId: a.activityId ?? '',
    activityType: a.activityType?.name ?? '',
    attempt: a.attempt ?? 1,
    state: activityStates[Number(a.state ?? 0)] ?? String(a.state),
    lastFailure: a.lastFailure?.message || null,
  }));
  return {
    workflowId: d.workflowId,
    runId: d.runId || null,
    workflowType: d.type,
    taskQueue: d.taskQueue,
    temporalStatus: d.status.name,
    historyLength: d.historyLength ?? null,
    pendingActivities,
  };
}
