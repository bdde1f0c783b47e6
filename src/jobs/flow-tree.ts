import { JobStatus } from '../model/enums';
import { ChildFailurePolicy } from '../model/flow';
import type { ChildOutcome, FlowTree } from '../model/flow';
import type { JobRecord } from '../model/job-record';

/** The outcome a parent reads of a child that finished. */
export const outcomeOf = (j: JobRecord): ChildOutcome => ({
  id: j.id,
  type: j.type,
  status: j.status,
  result: j.status === JobStatus.SUCCEEDED ? (j.result ?? null) : null,
  ...(j.status === JobStatus.SUCCEEDED ? {} : { error: j.error }),
});

/**
 * The tree to launch from stored rows (the job and its descendants, parents first): children
 * that already SUCCEEDED are not run again, their outcomes go to the parent as `done`.
 */
export function treeFromRows(rows: JobRecord[]): FlowTree {
  const kids = new Map<string, JobRecord[]>();
  for (const r of rows) if (r.parentId) kids.set(r.parentId, [...(kids.get(r.parentId) ?? []), r]);
  const build = (j: JobRecord): FlowTree => {
    const children = kids.get(j.id) ?? [];
    return {
      job: j,
      onFailure: j.onFailure ?? ChildFailurePolicy.FAIL_PARENT,
      children: children.filter((c) => c.status !== JobStatus.SUCCEEDED).map(build),
      done: children.filter((c) => c.status === JobStatus.SUCCEEDED).map(outcomeOf),
    };
  };
  return build(rows[0]);
}
