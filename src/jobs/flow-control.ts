import { AppError, conflict } from '../model/app-error';
import { ErrorCode } from '../model/error-code';
import { Backend, FINAL_STATUSES, JobStatus } from '../model/enums';
import { ChildFailurePolicy } from '../model/flow';
import type { JobRecord } from '../model/job-record';
import type { BullmqLane } from '../lanes/bullmq/bullmq-lane';
import type { JobStore } from '../store/job-store';
import type { FlowService } from './flow-service';
import type { LaneSet } from './lanes-access';

/** Cancel and retry where a job is part of a flow. Knows no GraphQL. */
export class FlowControl {
  constructor(
    private readonly jobs: JobStore,
    private readonly lanes: LaneSet,
    private readonly bullmq: BullmqLane,
    private readonly flows: FlowService,
  ) {}

  /**
   * Cancels a parent and its unfinished descendants; null when `job` has no children (an
   * ordinary cancel). TEMPORAL: cancelling the parent's workflow cancels its child workflows.
   * BULLMQ: every unfinished node is marked first, then each is removed or aborted, deepest
   * first, so none starts meanwhile.
   */
  async cancel(job: JobRecord, reason: string): Promise<JobStatus | null> {
    const rows = await this.jobs.flows.subtree(job.id);
    if (rows.length <= 1) return null;
    if (job.backend === Backend.TEMPORAL) return this.lanes.durable().cancel(job, reason);
    const open = rows.filter((r) => !FINAL_STATUSES.has(r.status));
    await this.bullmq.markCancelled(open, reason);
    let status: JobStatus = JobStatus.CANCELLED;
    for (const r of [...open].reverse()) {
      try {
        const s = await this.bullmq.cancel(r, reason);
        if (r.id === job.id) status = s;
      } catch (err) {
        // Finished (or cancelled by the failure of a child) meanwhile.
        if (!(err instanceof AppError && err.code === ErrorCode.CONFLICT)) throw err;
      }
    }
    return status;
  }

  /**
   * Retries a flow node; false when `job` is not part of a flow (an ordinary retry). A node
   * whose parent failed because of it (FAIL_PARENT) takes that parent along, up the tree: the
   * highest such ancestor is launched again with every descendant that has not succeeded, so
   * the parent runs once the retried child succeeds. Children that succeeded are not run again.
   */
  async retry(job: JobRecord): Promise<boolean> {
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
    await this.flows.relaunch(top);
    return true;
  }
}
