import type { BusEmitter } from '../../bus/event-emitter';
import { JobEventType, JobStatus, Priority } from '../../model/enums';
import { flowNodes, waitingMessage } from '../../model/flow';
import type { FlowTree } from '../../model/flow';
import type { JobRecord } from '../../model/job-record';
import { FLOW_WORKFLOW, temporalEvent } from './contract';
import type { ChildStart, FlowNodeJob, WorkflowJob } from './contract';
import type { FlowLane } from '../flow-lane';
import { temporalPriority } from './temporal-priority';
import type { TemporalLane } from './temporal-lane';

/**
 * Flows on the durable lane: the root's workflow (jobgate's flow workflow) starts each child as
 * a child workflow under the child's job id, and so on down the tree. A parent's processor runs
 * as an activity of its own workflow once its children are done. One start makes the whole
 * tree durable: Temporal holds the root, and the root holds the rest.
 */
export class TemporalFlows implements FlowLane {
  constructor(
    private readonly lane: TemporalLane,
    private readonly emitter: BusEmitter,
  ) {}

  private nodeArg(t: FlowTree): FlowNodeJob {
    const base = this.lane.startOptions(t.job, 0).args?.[0] as WorkflowJob;
    return { ...base, children: t.children.map((c) => this.childStart(c)), done: t.done };
  }

  /** How a parent's workflow starts the child `t`: the flow workflow for a parent, its own otherwise. */
  private childStart(t: FlowTree): ChildStart {
    const o = this.lane.startOptions(t.job, 0);
    const parent = t.children.length > 0 || t.done.length > 0;
    return {
      ref: { jobId: t.job.id, tenant: t.job.tenant, jobType: t.job.type, queue: t.job.queue },
      workflowType: parent ? FLOW_WORKFLOW : this.lane.workflowType(t.job),
      taskQueue: o.taskQueue,
      args: parent ? [this.nodeArg(t)] : [...(o.args ?? [])],
      ...(o.memo ? { memo: o.memo } : {}),
      ...(t.job.priority !== Priority.NORMAL
        ? { priorityKey: temporalPriority[t.job.priority] }
        : {}),
      ...(typeof o.workflowExecutionTimeout === 'number'
        ? { executionTimeoutMs: o.workflowExecutionTimeout }
        : {}),
      onFailure: t.onFailure,
    };
  }

  async enqueueFlow(root: FlowTree, announce = true): Promise<void> {
    if (announce)
      await this.emitter.emit(
        flowNodes(root).map((t) => {
          const total = t.children.length + t.done.length;
          const ref = {
            jobId: t.job.id,
            tenant: t.job.tenant,
            jobType: t.job.type,
            queue: t.job.queue,
          };
          return temporalEvent(ref, JobEventType.QUEUED, {
            status: total ? JobStatus.WAITING : JobStatus.QUEUED,
            ...(total ? { message: waitingMessage(t.children.length, total) } : {}),
            meta: {
              workflowType: total ? FLOW_WORKFLOW : this.lane.workflowType(t.job),
              taskQueue: this.lane.taskQueue(t.job.queue),
              ...(total ? { flow: true, children: total } : {}),
            },
          });
        }),
      );
    if (root.children.length === 0 && root.done.length === 0) {
      await this.lane.startWorkflow(
        root.job,
        this.lane.workflowType(root.job),
        this.lane.startOptions(root.job, 0),
      );
      return;
    }
    const o = this.lane.startOptions(root.job, 0);
    await this.lane.startWorkflow(root.job, FLOW_WORKFLOW, { ...o, args: [this.nodeArg(root)] });
  }

  /** Temporal keeps closed runs; a new run under the same id is allowed (ALLOW_DUPLICATE). */
  async clearForRelaunch(_nodes: JobRecord[]): Promise<void> {}

  /** Cancelling the root's workflow cancels its child workflows, and theirs, down the tree. */
  cancelTree(root: JobRecord, _open: JobRecord[], reason: string): Promise<JobStatus> {
    return this.lane.cancel(root, reason);
  }
}
