import type { Priority } from '../../model/enums';
import type { OverlapPolicy } from '../../model/schedule';
import type { ChildFailurePolicy, ChildOutcome } from '../../model/flow';
import type { FlowKeys } from '../../model/flow-control';

/** A flow node's place in its tree, kept in its BullMQ job data. */
export interface FlowJobData {
  /** The parent job, to report the children left and a failure that ends it. */
  parent?: { id: string; type: string; queue: string };
  /** What this node's final failure does to its parent. */
  onFailure?: ChildFailurePolicy;
  /** The children BullMQ runs before this job, to name their outcomes, with their policies. */
  children?: { id: string; type: string; onFailure?: ChildFailurePolicy }[];
  /** Children that succeeded in an earlier launch of the flow (not run again). */
  done?: ChildOutcome[];
}

/** What jobgate keeps in a BullMQ job's `data`; the job's name is its type. */
export interface BullmqJobData {
  tenant: string;
  input: unknown;
  /** Set on runs of a schedule: the worker writes their row and applies the overlap policy. */
  scheduleId?: string;
  overlap?: OverlapPolicy;
  /** A scheduled run's priority, for its row. */
  priority?: Priority;
  /** A run `triggerSchedule` started: it runs whatever the overlap policy says. */
  trigger?: boolean;
  /** Times a BUFFER_ONE run was put back to wait for the run before it. */
  deferrals?: number;
  /** Set on the nodes of a flow. */
  flow?: FlowJobData;
  /** The job's flow-control keys (see FlowKeys), for the worker's per-key gate. */
  keys?: FlowKeys;
}

/** BullMQ key prefix under the deployment's prefix. */
export const bullPrefix = (prefix: string): string => `${prefix}:bull`;

/** Marker set before a cancel request is published, for workers that pick the job up after. */
export const cancelMarkerKey = (prefix: string, jobId: string): string =>
  `${prefix}:cancelled:${jobId}`;

/** The failure reason of an attempt a cancel request stopped (the worker's, read by the lane). */
export const CANCELLED_REASON = 'jobgate:cancelled';

/**
 * The children of a flow parent that have reported their end (a set): each child says how many
 * are left once, even when it runs again after a crash.
 */
export const flowFinishedKey = (prefix: string, parentId: string): string =>
  `${prefix}:flow-finished:${parentId}`;
