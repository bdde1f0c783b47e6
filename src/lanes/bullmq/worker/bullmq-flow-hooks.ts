import { Job as BullJob, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { BusEmitter } from '../../../bus/event-emitter';
import { Backend, JobEventType } from '../../../model/enums';
import { ChildFailurePolicy, waitingMessage } from '../../../model/flow';
import type { ChildOutcome } from '../../../model/flow';
import {
  bullPrefix,
  CANCELLED_REASON as CANCELLED,
  cancelMarkerKey,
  flowFinishedKey,
} from '../bullmq-job-data';
import type { BullmqJobData } from '../bullmq-job-data';

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
    const outcomes = await Promise.all(
      kids.map(async (c): Promise<ChildOutcome> => {
        if (ok.has(c.id))
          return { id: c.id, type: c.type, status: 'SUCCEEDED', result: ok.get(c.id) ?? null };
        const reason = failed.get(c.id);
        if (reason !== undefined && reason !== CANCELLED)
          return { id: c.id, type: c.type, status: 'FAILED', result: null, error: String(reason) };
        // Cancelled: aborted while it ran, or removed before it ran (no outcome in BullMQ).
        const why = await this.redis.get(cancelMarkerKey(this.prefix, c.id));
        return {
          id: c.id,
          type: c.type,
          status: 'CANCELLED',
          result: null,
          error: why ?? 'cancelled',
        };
      }),
    );
    return [...done, ...outcomes];
  }

  /**
   * Why a parent must not run: the first child under FAIL_PARENT that did not succeed. BullMQ
   * fails the parent itself for a child that failed (`failParentOnFailure`); a child removed
   * by a cancel before it ran leaves no failure behind, so the worker asks before running.
   */
  async blockingChild(job: BullJob<BullmqJobData>): Promise<string | null> {
    const kids = job.data.flow?.children ?? [];
    if (kids.length === 0) return null;
    const policy = new Map(kids.map((c) => [c.id, c.onFailure]));
    for (const o of await this.children(job)) {
      if (o.status === 'SUCCEEDED' || policy.get(o.id) === ChildFailurePolicy.IGNORE) continue;
      if (!policy.has(o.id)) continue;
      const what = o.status === 'CANCELLED' ? 'was cancelled' : 'failed';
      return `child ${o.id} (${o.type}) ${what}: ${o.error ?? 'no reason given'}`;
    }
    return null;
  }

  /**
   * Called by a child about to finish (succeeded, or failed for good under IGNORE), before
   * BullMQ records it, so it is on the bus before the parent can start: the parent's WAITING
   * message with the children left after this one. None when this is the last (the parent's
   * STARTED follows), nor from a child that already reported (a rerun after a crash).
   */
  async childLeaving(job: BullJob<BullmqJobData>): Promise<void> {
    const parent = job.data.flow?.parent;
    if (!parent) return;
    const pj = await BullJob.fromId<BullmqJobData>(this.queue(parent.queue), parent.id);
    if (!pj) return;
    const key = flowFinishedKey(this.prefix, parent.id);
    // One atomic step: siblings ending at once each get their own count; a rerun adds nothing.
    const [[, added], [, ended]] = (await this.redis
      .multi()
      .sadd(key, job.id as string)
      .scard(key)
      .expire(key, 7 * 24 * 3600)
      .exec()) as [unknown, number][];
    if (!added) return;
    const kids = pj.data.flow?.children?.length ?? 0;
    const left = kids - ended;
    if (left <= 0) return;
    const total = kids + (pj.data.flow?.done?.length ?? 0);
    await this.emitter.emitOne({
      tenant: pj.data.tenant,
      source: Backend.BULLMQ,
      type: JobEventType.WAITING,
      jobId: parent.id,
      jobType: parent.type,
      queue: parent.queue,
      message: waitingMessage(left, total),
      meta: { childrenLeft: left },
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
