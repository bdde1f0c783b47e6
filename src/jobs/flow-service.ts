import { requireRole } from '../auth/principal';
import type { Principal } from '../auth/principal';
import { AppError, badInput, unavailable } from '../model/app-error';
import { Backend, JobStatus, Role } from '../model/enums';
import { ErrorCode } from '../model/error-code';
import { ChildFailurePolicy, flowNodes } from '../model/flow';
import type { FlowLimits, FlowNodeSubmission, FlowTree } from '../model/flow';
import type { JobRecord } from '../model/job-record';
import type { JobTypeCatalog } from '../model/job-type';
import type { FlowLane } from '../lanes/flow-lane';
import type { JobStore } from '../store/job-store';
import { treeFromRows } from './flow-tree';
import { engineMayHold } from './hand-over';
import type { Lanes } from './lanes-access';
import type { SubmissionService } from './submission-service';

/** A raw node with the path that names it in error messages. */
interface RawNode {
  node: FlowNodeSubmission;
  field: string;
  depth: number;
  parent: RawNode | null;
}

/**
 * Walks the submitted tree without recursion and refuses it whole when it has more nodes or
 * levels than allowed, before anything else is looked at.
 */
function walk(root: FlowNodeSubmission, limits: FlowLimits): RawNode[] {
  const out: RawNode[] = [];
  const stack: RawNode[] = [{ node: root, field: 'root', depth: 1, parent: null }];
  while (stack.length) {
    const n = stack.shift() as RawNode;
    if (n.depth > limits.maxDepth)
      throw badInput(
        `${n.field}: the flow is deeper than ${limits.maxDepth} levels; the limit is ${limits.maxDepth} (FLOW_MAX_DEPTH)`,
        n.field,
      );
    out.push(n);
    if (out.length > limits.maxNodes)
      throw badInput(
        `root: the flow has more than ${limits.maxNodes} nodes; the limit is ${limits.maxNodes} (FLOW_MAX_NODES)`,
        'root',
      );
    (n.node.children ?? []).forEach((c, i) =>
      stack.push({ node: c, field: `${n.field}.children[${i}]`, depth: n.depth + 1, parent: n }),
    );
  }
  return out;
}

const isUniqueViolation = (err: unknown): boolean =>
  (err as { code?: string } | null)?.code === '23505';

/**
 * Submits trees of jobs (flows) and launches them again after a retry or a crash. A flow is
 * checked whole (limits, every node's type and input, one lane) before anything is written;
 * its rows go in one statement, then its lane adds the whole tree at once. Knows no GraphQL.
 */
export class FlowService {
  constructor(
    private readonly jobs: JobStore,
    private readonly submission: SubmissionService,
    private readonly lanes: Record<Backend, FlowLane | null>,
    private readonly catalog: JobTypeCatalog,
    private readonly limits: FlowLimits,
    /** The lanes, to ask whether an engine holds a flow whose hand-over failed. */
    private readonly engines?: Lanes,
  ) {}

  private lane(backend: Backend): FlowLane {
    const lane = this.lanes[backend];
    if (!lane)
      throw unavailable(
        `the ${backend} backend is not configured on this gateway; submit the flow on another backend`,
      );
    return lane;
  }

  /** Checks a whole flow and builds its rows; throws BAD_USER_INPUT naming the first bad node. */
  private async prepare(p: Principal, root: FlowNodeSubmission): Promise<FlowTree> {
    const raw = walk(root, this.limits);
    const jobs = await Promise.all(
      raw.map((n) => this.submission.prepare(p, n.node.job, `${n.field}.job`)),
    );
    // A node is part of its tree: it cannot be replaced by, or joined to, a job outside it.
    jobs.forEach((j, i) => {
      const option =
        j.flowKeys?.debounce !== undefined
          ? 'debounce'
          : j.flowKeys?.deduplicate !== undefined
            ? 'deduplicate'
            : null;
      if (option)
        throw badInput(
          `${raw[i].field}.job.type: job type '${j.type}' has ${option}, which a flow node cannot have (a node cannot be replaced by or joined to a job outside its flow); submit it with submitJob`,
          `${raw[i].field}.job.type`,
        );
    });
    // One millisecond apart, in tree order: children list in the order they were submitted.
    const base = Date.now() - raw.length;
    jobs.forEach((j, i) => (j.createdAt = new Date(base + i)));
    const backend = jobs[0].backend;
    const trees = raw.map((n, i): FlowTree => ({
      job: jobs[i],
      onFailure: n.node.onFailure ?? ChildFailurePolicy.FAIL_PARENT,
      children: [],
      done: [],
    }));
    raw.forEach((n, i) => {
      const job = jobs[i];
      const field = `${n.field}.job`;
      const hasChildren = (n.node.children ?? []).length > 0;
      if (job.backend !== backend)
        throw badInput(
          `${field}.backend: a flow runs on one lane; this node routes to ${job.backend} (${job.routingReason}) while root routes to ${backend} (${jobs[0].routingReason}). Set the same backend on every node`,
          `${field}.backend`,
        );
      if (n.parent && job.idempotencyKey)
        throw badInput(
          `${field}.idempotencyKey: only the root of a flow takes an idempotency key (it stands for the whole flow)`,
          `${field}.idempotencyKey`,
        );
      if (job.delayMs && (hasChildren || backend === Backend.TEMPORAL))
        throw badInput(
          `${field}.delayMs: in a flow only leaves on BULLMQ take a delay; a parent waits for its children`,
          `${field}.delayMs`,
        );
      if (hasChildren && this.catalog.find(job.type)?.workflowOnly)
        throw badInput(
          `${field}.type: '${job.type}' is a workflow and cannot have children in a flow; a parent must be a job type with a processor`,
          `${field}.type`,
        );
      if (hasChildren) job.status = JobStatus.WAITING;
      if (n.parent) {
        const parentIndex = raw.indexOf(n.parent);
        job.parentId = jobs[parentIndex].id;
        job.onFailure = trees[i].onFailure;
        trees[parentIndex].children.push(trees[i]);
      }
    });
    return trees[0];
  }

  /** Submits a tree of jobs; returns the root. A root idempotency key already used returns that flow's root. */
  async submitFlow(p: Principal, root: FlowNodeSubmission): Promise<JobRecord> {
    requireRole(p, Role.OPERATOR, 'submitting flows');
    const tree = await this.prepare(p, root);
    const key = tree.job.idempotencyKey;
    if (key) {
      const [hit] = await this.jobs.findByIdempotencyKeys(p.tenant, [key]);
      if (hit) return hit;
    }
    const nodes = flowNodes(tree);
    try {
      await this.jobs.insertAll(nodes.map((t) => t.job));
    } catch (err) {
      if (!key || !isUniqueViolation(err)) throw err;
      // Another request took the same key between our read and insert: its flow wins.
      const [winner] = await this.jobs.findByIdempotencyKeys(p.tenant, [key]);
      if (winner) return winner;
      throw err;
    }
    try {
      await this.lane(tree.job.backend).enqueueFlow(tree);
    } catch (err) {
      // A flow reaches its engine whole (BullMQ's FlowProducer adds it in one MULTI; on
      // TEMPORAL its root workflow starts the rest), so the root tells whether it got there.
      // If it may have (a lost reply), the rows stay and the submission relay finishes the
      // hand-over; only a flow no engine took takes its rows back.
      const lane = this.engines?.[tree.job.backend];
      const refused = err instanceof AppError && err.code === ErrorCode.BAD_USER_INPUT;
      if (lane && !refused && (await engineMayHold(lane, [tree.job]))) return tree.job;
      await this.jobs.deleteMany(nodes.map((t) => t.job.id));
      throw err instanceof AppError
        ? err
        : unavailable(`${tree.job.backend} refused the flow: ${(err as Error).message}`);
    }
    return tree.job;
  }

  /**
   * Launches `top` and its descendants that have not succeeded again, under the same ids;
   * succeeded children are not run again, their parents read their stored outcomes.
   */
  async relaunch(top: JobRecord): Promise<void> {
    const tree = treeFromRows(await this.jobs.flows.subtree(top.id));
    tree.job = { ...tree.job, parentId: null };
    const lane = this.lane(top.backend);
    await lane.clearForRelaunch(flowNodes(tree).map((t) => t.job));
    await lane.enqueueFlow(tree);
  }

  /** Hands a flow whose root its engine does not hold to the engine again (the submission relay). */
  async redeliver(root: JobRecord, announce: boolean): Promise<void> {
    const tree = treeFromRows(await this.jobs.flows.subtree(root.id));
    await this.lane(root.backend).enqueueFlow(tree, announce);
  }
}
