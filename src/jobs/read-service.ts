import { LRUCache } from 'lru-cache';
import { tenantScope } from '../auth/principal';
import type { Principal } from '../auth/principal';
import { badInput, notFound } from '../model/app-error';
import type { EventQuery } from '../model/event-query';
import type { JobEvent } from '../model/job-event';
import { decodeJobCursor, encodeJobCursor } from '../model/job-cursor';
import type { JobQuery } from '../model/job-query';
import type { JobRecord } from '../model/job-record';
import { assertEventCursor } from '../model/stream-id';
import type { WorkflowInfo } from '../model/workflow-info';
import type { EventStore } from '../store/event-store';
import type { JobStore } from '../store/job-store';
import type { Lanes } from './lanes-access';
import { configuredLanes } from './lanes-access';

export interface JobPage {
  edges: { cursor: string; node: JobRecord }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  /** The filter as run, for `totalCount`. */
  query: JobQuery;
}

/** Filters as the API takes them. */
export type JobFilterInput = Omit<JobQuery, 'tenant'>;

/** Finds jobs and events within the caller's tenant. Knows no GraphQL. */
export class ReadService {
  /** Masked paths by job id: fixed at submission, so a job's never changes once read. */
  private readonly masks = new LRUCache<string, string[]>({ max: 100_000 });

  constructor(
    private readonly jobs: JobStore,
    private readonly events: EventStore,
    private readonly lanes: Lanes,
  ) {}

  async get(p: Principal, id: string): Promise<JobRecord | null> {
    return (await this.jobs.findById(id, tenantScope(p))) ?? null;
  }

  /** Like get, but NOT_FOUND when absent or another tenant's. */
  async require(p: Principal, id: string): Promise<JobRecord> {
    const job = await this.get(p, id);
    if (!job) throw notFound('job', id);
    return job;
  }

  async list(
    p: Principal,
    filter: JobFilterInput = {},
    first = 50,
    after?: string | null,
  ): Promise<JobPage> {
    if (!Number.isInteger(first) || first < 1 || first > 500)
      throw badInput(`first must be between 1 and 500 (got ${first})`, 'first');
    const query: JobQuery = { ...filter, tenant: tenantScope(p) };
    const { rows, hasNext } = await this.jobs.page(
      query,
      first,
      after ? decodeJobCursor(after) : undefined,
    );
    const edges = rows.map((node) => ({ cursor: encodeJobCursor(node), node }));
    return {
      edges,
      pageInfo: { hasNextPage: hasNext, endCursor: edges.at(-1)?.cursor ?? null },
      query,
    };
  }

  /** Each job's masked paths (for VIEWERs' event meta); a job not found has none. */
  async maskedPaths(ids: readonly string[]): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>();
    const missing: string[] = [];
    for (const id of ids) {
      const hit = this.masks.get(id);
      if (hit) out.set(id, hit);
      else missing.push(id);
    }
    for (const [id, paths] of await this.jobs.maskedPaths(missing)) {
      this.masks.set(id, paths);
      out.set(id, paths);
    }
    return out;
  }

  /** Jobs by id within `tenant` (undefined: every tenant); for the `parent` loader. */
  byIds(ids: readonly string[], tenant: string | undefined): Promise<Map<string, JobRecord>> {
    return this.jobs.findByIds(ids, tenant);
  }

  /** Children of each job within `tenant` (undefined: every tenant); for the `children` loader. */
  childrenOf(
    ids: readonly string[],
    tenant: string | undefined,
  ): Promise<Map<string, JobRecord[]>> {
    return this.jobs.flows.childrenOf(ids, tenant);
  }

  count(query: JobQuery): Promise<number> {
    return this.jobs.count(query);
  }

  async listEvents(
    p: Principal,
    filter: Omit<EventQuery, 'tenant'> = {},
    first = 100,
    after?: string | null,
  ): Promise<JobEvent[]> {
    if (!Number.isInteger(first) || first < 1 || first > 1000)
      throw badInput(`first must be between 1 and 1000 (got ${first})`, 'first');
    assertEventCursor(after);
    return this.events.list({ ...filter, tenant: tenantScope(p) }, first, after ?? undefined);
  }

  async describe(jobs: readonly JobRecord[]): Promise<Map<string, WorkflowInfo | null>> {
    const out = new Map<string, WorkflowInfo | null>();
    for (const lane of configuredLanes(this.lanes)) {
      const mine = jobs.filter((j) => j.backend === lane.backend);
      if (!lane.workflows || !mine.length) continue;
      for (const [id, info] of await lane.workflows.describe(mine)) out.set(id, info);
    }
    return out;
  }
}
