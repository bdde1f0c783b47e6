import { FlowProducer } from 'bullmq';
import type { FlowChildJob, FlowJob } from 'bullmq';
import type { Redis } from 'ioredis';
import type { BusEmitter } from '../../bus/event-emitter';
import { AppError } from '../../model/app-error';
import { JobStatus } from '../../model/enums';
import { ErrorCode } from '../../model/error-code';
import { ChildFailurePolicy, flowNodes, waitingMessage } from '../../model/flow';
import type { FlowTree } from '../../model/flow';
import type { JobRecord } from '../../model/job-record';
import type { FlowLane } from '../flow-lane';
import type { BullmqLane } from './bullmq-lane';
import { bullPrefix, flowFinishedKey } from './bullmq-job-data';
import type { BullmqJobData } from './bullmq-job-data';

/**
 * Flows on the fast lane: BullMQ's FlowProducer adds a whole tree atomically (one MULTI),
 * across queues. A parent waits in `waiting-children` until every child has finished; a
 * child's `failParentOnFailure` fails it, `ignoreDependencyOnFailure` lets it run anyway.
 */
export class BullmqFlows implements FlowLane {
  private readonly producer: FlowProducer;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly lane: BullmqLane,
    private readonly emitter: BusEmitter,
  ) {
    this.producer = new FlowProducer({ connection: redis, prefix: bullPrefix(prefix) });
  }

  private data(t: FlowTree, parent: FlowTree | null): BullmqJobData {
    return {
      tenant: t.job.tenant,
      input: t.job.input,
      // Per-key limits apply to a node as to any job (the worker's KeyedAdmission).
      ...(t.job.flowKeys ? { keys: t.job.flowKeys } : {}),
      flow: {
        ...(parent
          ? {
              parent: { id: parent.job.id, type: parent.job.type, queue: parent.job.queue },
              onFailure: t.onFailure,
            }
          : {}),
        ...(t.children.length
          ? {
              children: t.children.map((c) => ({
                id: c.job.id,
                type: c.job.type,
                onFailure: c.onFailure,
              })),
            }
          : {}),
        ...(t.done.length ? { done: t.done } : {}),
      },
    };
  }

  private node(t: FlowTree, parent: FlowTree | null): FlowChildJob {
    return {
      name: t.job.type,
      queueName: t.job.queue,
      data: this.data(t, parent),
      opts: {
        ...this.lane.options(t.job),
        ...(parent
          ? t.onFailure === ChildFailurePolicy.IGNORE
            ? { ignoreDependencyOnFailure: true }
            : { failParentOnFailure: true }
          : {}),
      },
      ...(t.children.length ? { children: t.children.map((c) => this.node(c, t)) } : {}),
    };
  }

  async enqueueFlow(root: FlowTree, announce = true): Promise<void> {
    if (announce)
      // QUEUED goes on the bus first, so it is always before a worker's STARTED.
      await this.emitter.emit(
        flowNodes(root).map((t) =>
          t.children.length
            ? {
                ...this.lane.queuedEvent(t.job),
                status: JobStatus.WAITING,
                message: waitingMessage(t.children.length, t.children.length + t.done.length),
                meta: { flow: true, children: t.children.length + t.done.length },
              }
            : this.lane.queuedEvent(t.job),
        ),
      );
    // A tree launched again counts its children's ends afresh.
    const parents = flowNodes(root).filter((t) => t.children.length);
    if (parents.length)
      await this.redis.del(...parents.map((t) => flowFinishedKey(this.prefix, t.job.id)));
    await this.producer.add(this.node(root, null) as FlowJob);
  }

  async clearForRelaunch(nodes: JobRecord[]): Promise<void> {
    // Children first: a parent's removal would otherwise take its finished children along.
    for (const j of [...nodes].reverse()) {
      const bj = await this.lane.queue(j.queue).getJob(j.id);
      if (bj) await bj.remove({ removeChildren: false });
    }
  }

  /**
   * Every unfinished node is marked first, so a worker refuses one that becomes runnable
   * meanwhile; then each is removed or aborted, deepest first.
   */
  async cancelTree(root: JobRecord, open: JobRecord[], reason: string): Promise<JobStatus> {
    await this.lane.markCancelled(open, reason);
    let status: JobStatus = JobStatus.CANCELLED;
    for (const r of [...open].reverse()) {
      try {
        const s = await this.lane.cancel(r, reason);
        if (r.id === root.id) status = s;
      } catch (err) {
        // Finished (or cancelled by the failure of a child) meanwhile.
        if (!(err instanceof AppError && err.code === ErrorCode.CONFLICT)) throw err;
      }
    }
    return status;
  }

  async close(): Promise<void> {
    await this.producer.close();
  }
}
