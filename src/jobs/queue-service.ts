import { requireRole } from '../auth/principal';
import type { Principal } from '../auth/principal';
import type { BullmqLane } from '../lanes/bullmq/bullmq-lane';
import { notFound } from '../model/app-error';
import { Role } from '../model/enums';
import type { JobTypeCatalog, JobTypeDefinition } from '../model/job-type';
import type { QueueCounts } from '../model/queue-counts';
import type { LaneSet } from './lanes-access';

/** Queue counts on both lanes, pause and resume, and the registered types. Knows no GraphQL. */
export class QueueService {
  constructor(
    private readonly lanes: LaneSet,
    private readonly bullmq: BullmqLane,
    private readonly catalog: JobTypeCatalog,
  ) {}

  jobTypes(): JobTypeDefinition[] {
    return this.catalog.all();
  }

  /** The registered type named `name`, or undefined. */
  jobType(name: string): JobTypeDefinition | undefined {
    return this.catalog.find(name);
  }

  async queues(): Promise<QueueCounts[]> {
    const fast = await this.lanes.bullmq.stats();
    const durable = this.lanes.temporal ? await this.lanes.temporal.stats().catch(() => []) : [];
    return [...fast, ...durable];
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
