import type { DataSource } from 'typeorm';
import type { Backend } from '../model/enums';
import type { JobRecord } from '../model/job-record';
import { COLUMNS, toRecord } from './job-rows';
import type { JobRow } from './job-rows';

/** Reads the links of flows in the `jobs` projection (`parent_id`, served by the jobs_parent index). */
export class FlowStore {
  constructor(private readonly ds: DataSource) {}

  /** Children of each parent, oldest first; `tenant` undefined reads across tenants. */
  async childrenOf(
    parentIds: readonly string[],
    tenant?: string,
  ): Promise<Map<string, JobRecord[]>> {
    const out = new Map<string, JobRecord[]>(parentIds.map((id) => [id, []]));
    if (parentIds.length === 0) return out;
    const rows: JobRow[] = await this.ds.query(
      `SELECT ${COLUMNS} FROM jobs WHERE parent_id = ANY($1) ${tenant ? 'AND tenant = $2' : ''}
       ORDER BY created_at, id`,
      tenant ? [parentIds, tenant] : [parentIds],
    );
    for (const r of rows) out.get(r.parent_id as string)?.push(toRecord(r));
    return out;
  }

  /** The job and every descendant (flows), parents before children. */
  async subtree(id: string): Promise<JobRecord[]> {
    const rows: JobRow[] = await this.ds.query(
      `WITH RECURSIVE t AS (
         SELECT ${COLUMNS}, 0 AS depth FROM jobs WHERE id = $1
         UNION ALL
         SELECT ${COLUMNS.split(',')
           .map((c) => `j.${c.trim()}`)
           .join(', ')}, t.depth + 1 FROM jobs j JOIN t ON j.parent_id = t.id WHERE t.depth < 64
       )
       SELECT * FROM t ORDER BY depth, created_at, id`,
      [id],
    );
    return rows.map(toRecord);
  }

  /**
   * Roots of flows accepted before `before` whose root never started: what the submission
   * relay checks against the engine, as a whole flow.
   */
  async flowRootsNotStarted(backend: Backend, before: Date, limit: number): Promise<JobRecord[]> {
    const rows: JobRow[] = await this.ds.query(
      `SELECT ${COLUMNS} FROM jobs j WHERE backend = $1 AND parent_id IS NULL
         AND status NOT IN ('SUCCEEDED', 'FAILED', 'CANCELLED') AND status = 'WAITING'
         AND attempts = 0 AND started_at IS NULL AND created_at < $2
         AND EXISTS (SELECT 1 FROM jobs c WHERE c.parent_id = j.id)
       ORDER BY created_at, id LIMIT $3`,
      [backend, before, limit],
    );
    return rows.map(toRecord);
  }
}
