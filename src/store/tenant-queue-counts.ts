import type { DataSource } from 'typeorm';
import type { Backend, JobStatus } from '../model/enums';

/** One tenant's jobs of one queue, counted by status. */
export interface TenantQueueRow {
  backend: Backend;
  queue: string;
  counts: Partial<Record<JobStatus, number>>;
}

/**
 * Counts of one tenant's jobs per lane, queue and status, read from the `jobs` projection
 * (the engines count per queue, every tenant together). Finished jobs are counted while
 * retention keeps them, as the engines count theirs while they keep them.
 */
export async function tenantQueueCounts(ds: DataSource, tenant: string): Promise<TenantQueueRow[]> {
  // Served by jobs_tenant_status_created (tenant, status, ...).
  const rows: { backend: Backend; queue: string; status: JobStatus; n: string }[] = await ds.query(
    `SELECT backend, queue, status, count(*) AS n FROM jobs WHERE tenant = $1
     GROUP BY backend, queue, status`,
    [tenant],
  );
  const byQueue = new Map<string, TenantQueueRow>();
  for (const r of rows) {
    const key = `${r.backend}\u0000${r.queue}`;
    const row = byQueue.get(key) ?? { backend: r.backend, queue: r.queue, counts: {} };
    row.counts[r.status] = Number(r.n);
    byQueue.set(key, row);
  }
  return [...byQueue.values()];
}
