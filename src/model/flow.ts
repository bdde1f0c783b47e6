import type { JobRecord } from './job-record';
import type { Submission } from './submission';

/** What a child's final failure does to its parent. */
export enum ChildFailurePolicy {
  /** The parent ends FAILED without running (the default). */
  FAIL_PARENT = 'FAIL_PARENT',
  /** The parent runs anyway; ctx.children() shows the failed child. */
  IGNORE = 'IGNORE',
}

/** One finished child as its parent's processor sees it (`ctx.children()`). */
export interface ChildOutcome {
  id: string;
  type: string;
  /** SUCCEEDED, FAILED or CANCELLED. */
  status: string;
  /** The child's result; null unless it succeeded. */
  result: unknown;
  /** Why it failed or was cancelled; absent when it succeeded. */
  error?: string | null;
}

/**
 * One node of a flow as the lanes launch it: its job row, its children still to run, and the
 * outcomes of children that already succeeded (a flow launched again after a retry skips them).
 */
export interface FlowTree {
  job: JobRecord;
  /** What this node's failure does to its parent. */
  onFailure: ChildFailurePolicy;
  children: FlowTree[];
  /** Children that succeeded in an earlier launch; they are not run again. */
  done: ChildOutcome[];
}

/** Limits a flow is checked against. */
export interface FlowLimits {
  maxNodes: number;
  maxDepth: number;
}

/** Every node of a tree, parents before their children. */
export function flowNodes(t: FlowTree): FlowTree[] {
  return [t, ...t.children.flatMap(flowNodes)];
}

/** The message a parent's WAITING status carries. */
export const waitingMessage = (left: number, total: number): string =>
  left === total
    ? `waiting for ${total} ${total === 1 ? 'child' : 'children'}`
    : `waiting for ${left} of ${total} children`;

/** One node of `submitFlow`, as the service receives it (GraphQL has checked the shapes). */
export interface FlowNodeSubmission {
  job: Submission;
  children?: FlowNodeSubmission[] | null;
  onFailure?: ChildFailurePolicy | null;
}
