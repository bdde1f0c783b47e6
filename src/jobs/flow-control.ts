import { conflict } from '../model/app-error';
import { FINAL_STATUSES, JobStatus } from '../model/enums';
import { ChildFailurePolicy } from '../model/flow';
import type { JobRecord } from '../model/job-record';
import type { JobStore } from '../store/job-store';
import type { FlowService } from './flow-service';
import type { Lanes } from './lanes-access';
import { laneOf } from './lanes-access';

/** Cancel and retry where a job is part of a flow. Knows no GraphQL. */
export class FlowControl {
  constructor(
    private readonly jobs: JobStore,
    private readonly lanes: Lanes,
    private readonly flows: FlowService,
  ) {}

  /**
   * Cancels a parent and its unfinished descendants through its lane's flows; null when `job`
   * has no children (an ordinary cancel).
   */
  async cancel(job: JobRecord, reason: string): Promise<JobStatus | null> {
    const flows = laneOf(this.lanes, job.backend).flows?.();
    if (!flows) return null;
    const rows = await this.jobs.flows.subtree(job.id);
    if (rows.length <= 1) return null;
    const open = rows.filter((r) => !FINAL_STATUSES.has(r.status));
    return flows.cancelTree(job, open, reason);
  }

  /**
   * Retries a flow node; false when `job` is not part of a flow (an ordinary retry). A node
   * whose parent failed because of it (FAIL_PARENT) takes that parent along, up the tree: the
   * highest such ancestor is launched again with every descendant that has not succeeded, so
   * the parent runs once the retried child succeeds. Children that succeeded are not run again.
   * `relaunched` collects the ids launched again, so a batch relaunches each tree once.
   */
  async retry(job: JobRecord, relaunched?: Set<string>): Promise<boolean> {
    let top = job;
    // Only flow nodes take their parent along; a workflow's executeChild child has no policy.
    while (top.parentId && top.onFailure === ChildFailurePolicy.FAIL_PARENT) {
      const parent = await this.jobs.findById(top.parentId);
      if (!parent) break;
      if (parent.status === JobStatus.FAILED || parent.status === JobStatus.CANCELLED) {
        top = parent;
        continue;
      }
      if (!FINAL_STATUSES.has(parent.status))
        throw conflict(
          `job ${job.id}: its parent ${parent.id} is still ${parent.status} (waiting for its other children); retry once the parent has finished`,
        );
      break;
    }
    if (top === job) {
      const kids = (await this.jobs.flows.childrenOf([job.id])).get(job.id) ?? [];
      if (!kids.some((k) => k.onFailure)) return false;
    }
    // retryJobs: two failed children of one parent relaunch it once.
    if (relaunched?.has(top.id)) return true;
    relaunched?.add(top.id);
    await this.flows.relaunch(top);
    return true;
  }
}
