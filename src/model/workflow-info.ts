/** A pending activity as Temporal's describe reports it. */
export interface PendingActivityInfo {
  activityId: string;
  activityType: string;
  attempt: number;
  state: string;
  lastFailure: string | null;
}

/** Live details of a workflow execution. */
export interface WorkflowInfo {
  workflowId: string;
  runId: string | null;
  workflowType: string;
  taskQueue: string;
  temporalStatus: string;
  historyLength: number | null;
  pendingActivities: PendingActivityInfo[];
}
