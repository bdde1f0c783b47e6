import { requireRole, tenantScope } from '../auth/principal';
import type { Principal } from '../auth/principal';
import type { BullmqLane } from '../lanes/bullmq/bullmq-lane';
import { notFound } from '../model/app-error';
import { Backend, JobStatus, Role } from '../model/enums';
import type { JobTypeCatalog, JobTypeDefinition } from '../model/job-type';
import type { QueueCounts } from '../model/queue-counts';
import type { JobStore } from '../store/job-store';
import type { Lanes } from './lanes-access';
import { configuredLanes } from './lanes-access';

/** The job statuses each count of a tenant's `QueueStats` adds up. */
const COUNTED: Record<Exclude<keyof QueueCounts, 'name' | 'backend' | 'paused'>, JobStatus[]> = {
  waiting: [JobStatus.QUEUED],
  active: [JobStatus.RUNNING, JobStatus.WAITING],
  delayed: [JobStatus.DELAYED],
  completed: [JobStatus.SUCCEEDED],
  failed: [JobStatus.FAILED],
};

/** Queue counts on both lanes, pause and resume, and the registered types. Knows no GraphQL. */
export class QueueService {
  constructor(
    private readonly lanes: Lanes,
    private readonly bullmq: BullmqLane,
    private readonly catalog: JobTypeCatalog,
    private readonly jobs: JobStore,
  ) {}

  jobTypes(): JobTypeDefinition[] {
    return this.catalog.all();
  }

  /** The registered type named `name`, or undefined. */
  jobType(name: string): JobTypeDefinition | undefined {
    return this.catalog.find(name);
  }

  /**
   * Counts of every queue of both lanes. An ADMIN gets the engines' counts (every tenant's
   * jobs). Any other key gets its own tenant's jobs only, counted in the `jobs` table, for the
   * same queues: the engines count per queue, shared by tenants, so their numbers would tell one
   * tenant about another's work. `paused` is the queue's own state, which holds every tenant.
   */
  async queues(p: Principal): Promise<QueueCounts[]> {
    const tenant = tenantScope(p);
    if (tenant === undefined) {
      // A lane of workflows counts through Temporal's visibility store, which may not answer:
      // its queues are then left out rather than failing the whole list.
      const counted = await Promise.all(
        configuredLanes(this.lanes).map((l) =>
          l.workflows ? l.stats().catch(() => []) : l.stats(),
        ),
      );
      return counted.flat();
    }
    const [rows, paused] = await Promise.all([
      this.jobs.queueCounts(tenant),
      Promise.all(this.catalog.queues().map((q) => this.bullmq.isPaused(q))),
    ]);
    const counts = (backend: Backend, name: string, isPaused: boolean): QueueCounts => {
      const c = rows.find((r) => r.backend === backend && r.queue === name)?.counts ?? {};
      const sum = (statuses: JobStatus[]) => statuses.reduce((n, s) => n + (c[s] ?? 0), 0);
      return {
        name,
        backend,
        paused: isPaused,
        waiting: sum(COUNTED.waiting),
        active: sum(COUNTED.active),
        delayed: sum(COUNTED.delayed),
        completed: sum(COUNTED.completed),
        failed: sum(COUNTED.failed),
      };
    };
    return [
      ...this.catalog.queues().map((q, i) => counts(Backend.BULLMQ, q, paused[i])),
      ...(this.lanes[Backend.TEMPORAL]
        ? this.catalog.taskQueues().map((q) => counts(Backend.TEMPORAL, q, false))
        : []),
    ];
  }

  private knownQueue(name: string): void {
    if (!this.catalog.queues().includes(name)) throw notFound('BullMQ queue', name);
  }

  async pauseQueue(p: Principal, name: string): Promise<QueueCounts> {
    requireRole(p, Role.ADMIN, 'pausing queues');
    this.knownQueue(name);
    await this.bullmq.pause(name);
    return this.bullmq.queueStats(name);
  }

  async resumeQueue(p: Principal, name: string): Promise<QueueCounts> {
    requireRole(p, Role.ADMIN, 'resuming queues');
    this.knownQueue(name);
    await this.bullmq.resume(name);
    return this.bullmq.queueStats(name);
  }
}
