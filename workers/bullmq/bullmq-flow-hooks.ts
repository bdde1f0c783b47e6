import { Job as BullJob, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { BusEmitter } from '../../src/bus/event-emitter';
import { Backend, JobEventType } from '../../src/model/enums';
import { waitingMessage } from '../../src/model/flow';
import type { ChildOutcome } from '../../src/model/flow';
import {
  bullPrefix,
  CANCELLED_REASON as CANCELLED,
  cancelMarkerKey,
} from '../../src/lanes/bullmq/bullmq-job-data';
import type { BullmqJobData } from '../../src/lanes/bullmq/bullmq-job-data';

/** The job id in a BullMQ job key (`<prefix>:<queue>:<id>`); jobgate's ids hold no colon. */
const idOfKey = (key: string): string => key.slice(key.lastIndexOf(':') + 1);

const byId = (m: Record<string, unknown>): Map<string, unknown> =>
  new Map(Object.entries(m).map(([k, v]) => [idOfKey(k), v]));

/**
 * What a BullMQ worker does for flow nodes: reads a parent's children outcomes
 * (`getChildrenValues`, `getIgnoredChildrenFailures`), tells a parent how many children are
 * left, and names the child whose failure failed a parent.
 */
export class BullmqFlowHooks {
  private readonly queues = new Map<string, Queue<BullmqJobData>>();

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly emitter: BusEmitter,
  ) {}

  private queue(name: string): Queue<BullmqJobData> {
    let q = this.queues.get(name);
    if (!q) {
      q = new Queue<BullmqJobData>(name, {
        connection: this.redis,
        prefix: bullPrefix(this.prefix),
      });
      this.queues.set(name, q);
    }
    return q;
  }

  /** `ctx.children()` of a BullMQ job: every child's id, type, status and result. */
  async children(job: BullJob<BullmqJobData>): Promise<ChildOutcome[]> {
    const flow = job.data.flow;
    const done = flow?.done ?? [];
    const kids = flow?.children ?? [];
    if (kids.length === 0) return done;
    const [values, failures] = await Promise.all([
      job.getChildrenValues(),
      job.getIgnoredChildrenFailures(),
    ]);
    const ok = byId(values);
    const failed = byId(failures);
    return [
      ...done,
      ...kids.map((c): ChildOutcome => {
        if (ok.has(c.id))
          return { id: c.id, type: c.type, status: 'SUCCEEDED', result: ok.get(c.id) ?? null };
        const reason = failed.get(c.id);
        return {
          id: c.id,
          type: c.type,
          status: reason === undefined || reason === CANCELLED ? 'CANCELLED' : 'FAILED',
          result: null,
          error: reason === undefined ? 'removed before it ran' : String(reason),
        };
      }),
    ];
  }

  /** After a child finished (succeeded, or failed under IGNORE): the parent's WAITING message. */
  async childFinished(job: BullJob<BullmqJobData>): Promise<void> {
    const parent = job.data.flow?.parent;
    if (!parent) return;
    const pj = await BullJob.fromId<BullmqJobData>(this.queue(parent.queue), parent.id);
    if (!pj) return;
    const { unprocessed = 0 } = await pj.getDependenciesCount({ unprocessed: true });
    // The last child's news is the parent's STARTED, which may already be on its way.
    if (unprocessed === 0) return;
    const total = (pj.data.flow?.children?.length ?? 0) + (pj.data.flow?.done?.length ?? 0);
    await this.emitter.emitOne({
      tenant: pj.data.tenant,
      source: Backend.BULLMQ,
      type: JobEventType.WAITING,
      jobId: parent.id,
      jobType: parent.type,
      queue: parent.queue,
      message: waitingMessage(unprocessed, total),
      meta: { childrenLeft: unprocessed },
    });
  }

  /**
   * The message of a parent BullMQ failed because a child failed (`failParentOnFailure`):
   * BullMQ says `child <key> failed`; this names the child, its type and its reason.
   */
  async deferredFailure(job: BullJob<BullmqJobData>, message: string): Promise<string> {
    const m = /^child (\S+) failed$/.exec(message);
    if (!m) return message;
    const id = idOfKey(m[1]);
    const child = job.data.flow?.children?.find((c) => c.id === id);
    const queueName = m[1].slice(bullPrefix(this.prefix).length + 1, m[1].lastIndexOf(':'));
    const cj = await BullJob.fromId<BullmqJobData>(this.queue(queueName), id);
    const reason = cj?.failedReason;
    const what = reason === CANCELLED ? 'was cancelled' : 'failed';
    const why =
      reason === CANCELLED
        ? ((await this.redis.get(cancelMarkerKey(this.prefix, id))) ?? 'cancelled')
        : (reason ?? 'no reason given');
    return `child ${id} (${child?.type ?? cj?.name ?? 'unknown type'}) ${what}: ${why}`;
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close()));
  }
}
