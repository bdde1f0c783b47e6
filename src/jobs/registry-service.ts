import { requireRole, tenantScope } from '../auth/principal';
import type { Principal } from '../auth/principal';
import { AppError, badInput, notFound, unavailable } from '../model/app-error';
import { ErrorCode } from '../model/error-code';
import { Role } from '../model/enums';
import type { JobLogLine } from '../model/job-log-line';
import type { JobTypeCatalog, JobTypeDefinition } from '../model/job-type';
import { isStreamId } from '../model/stream-id';
import type { WorkerInfo } from '../model/worker-info';
import type { WorkerPresence } from '../registry/worker-presence';
import type { EventStore } from '../store/event-store';
import type { JobStore } from '../store/job-store';

/** A registered type with the number of live workers serving it. */
export type JobTypeInfo = JobTypeDefinition & { workers: number };

/** The catalog RegistryService lists from and removes types of (a TypeRegistry). */
export interface MutableCatalog extends JobTypeCatalog {
  unregister(name: string): Promise<boolean>;
}

/** What RegistryService reads. */
export interface RegistryServiceDeps {
  catalog: MutableCatalog;
  presence: WorkerPresence;
  jobs: JobStore;
  events: EventStore;
}

/** Most log lines one page returns. @defaultValue 1000 */
export const MAX_LOG_PAGE = 1000;

/** Registered job types, worker processes and job logs. Knows no GraphQL. */
export class RegistryService {
  constructor(private readonly d: RegistryServiceDeps) {}

  private async presenceOr<T>(read: () => Promise<T>): Promise<T> {
    try {
      return await read();
    } catch (err) {
      throw unavailable(`cannot read worker heartbeats from Redis: ${(err as Error).message}`);
    }
  }

  /** Every registered type, sorted by name, with its live workers. */
  async jobTypes(): Promise<JobTypeInfo[]> {
    const counts = await this.presenceOr(() => this.d.presence.liveCountByType());
    return this.d.catalog.all().map((t) => ({ ...t, workers: counts.get(t.name) ?? 0 }));
  }

  /** Worker processes, live and recently lost (ADMIN). */
  async workers(p: Principal): Promise<WorkerInfo[]> {
    requireRole(p, Role.ADMIN, 'listing workers');
    return this.presenceOr(() => this.d.presence.list(this.d.catalog));
  }

  /** Removes a registered type (ADMIN); jobs already accepted keep running. */
  async unregister(p: Principal, name: string): Promise<boolean> {
    requireRole(p, Role.ADMIN, 'unregistering job types');
    if (!name.trim()) throw badInput('name: give the name of a registered job type', 'name');
    if (!(await this.d.catalog.unregister(name))) {
      const known = this.d.catalog
        .all()
        .map((t) => t.name)
        .join(', ');
      throw new AppError(
        ErrorCode.NOT_FOUND,
        `job type '${name}' is not registered; registered types: ${known || 'none'}`,
      );
    }
    return true;
  }

  /**
   * Lines a job logged, oldest first: `first` (1 to 1000) after the line `after`. Another
   * tenant's job is NOT_FOUND, as for every read.
   */
  async logs(
    p: Principal,
    jobId: string,
    first = 100,
    after?: string | null,
  ): Promise<JobLogLine[]> {
    checkLogPage(first, after);
    if (!(await this.d.jobs.findById(jobId, tenantScope(p)))) throw notFound('job', jobId);
    return (await this.logLines([jobId], first, after)).get(jobId) ?? [];
  }

  /**
   * The same page of lines for each of `jobIds`, in one query; the caller has already seen
   * these jobs under the principal's tenant (a list's `Job.logs`).
   */
  async logLines(
    jobIds: readonly string[],
    first = 100,
    after?: string | null,
  ): Promise<Map<string, JobLogLine[]>> {
    checkLogPage(first, after);
    const events = await this.d.events.logsForJobs(jobIds, first, after ?? undefined);
    const out = new Map<string, JobLogLine[]>();
    for (const [id, list] of events)
      out.set(
        id,
        list.map((e) => ({
          id: e.id,
          at: new Date(e.timestamp),
          attempt: e.attempt ?? null,
          line: e.message ?? '',
        })),
      );
    return out;
  }
}

/** BAD_USER_INPUT unless `first` is 1..MAX_LOG_PAGE and `after` is a line id. */
export function checkLogPage(first: number, after?: string | null): void {
  if (!Number.isInteger(first) || first < 1 || first > MAX_LOG_PAGE)
    throw badInput(`first must be between 1 and ${MAX_LOG_PAGE} (got ${first})`, 'first');
  if (after && !isStreamId(after))
    throw badInput(
      `after: '${after}' is not a log line id; pass the \`id\` of the last line you read`,
      'after',
    );
}
