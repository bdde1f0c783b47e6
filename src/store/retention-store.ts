import type { DataSource } from 'typeorm';

/** What one batch removed. */
export interface Deleted {
  jobs: number;
  events: number;
}

/**
 * Deletes old rows in small batches, each its own short transaction: a batch locks only the
 * rows it removes (SKIP LOCKED leaves rows another writer holds for a later batch), and
 * reads them through an index in finish-time order, so it costs the same on any table size.
 */
export class RetentionStore {
  constructor(private readonly ds: DataSource) {}

  /**
   * Up to `limit` jobs in `status` that finished before `before`, with their events (and so
   * their log lines, which are LOG events).
   */
  async deleteJobs(status: string, before: Date, limit: number): Promise<Deleted> {
    const [row]: { jobs: string; events: string }[] = await this.ds.query(
      `WITH doomed AS (
         SELECT id FROM jobs
         WHERE status = $1 AND finished_at IS NOT NULL AND finished_at < $2
         ORDER BY finished_at LIMIT $3 FOR UPDATE SKIP LOCKED
       ), ev AS (
         DELETE FROM job_events WHERE job_id IN (SELECT id FROM doomed) RETURNING 1
       ), gone AS (
         DELETE FROM jobs WHERE id IN (SELECT id FROM doomed) RETURNING 1
       )
       SELECT (SELECT count(*) FROM gone) AS jobs, (SELECT count(*) FROM ev) AS events`,
      [status, before, limit],
    );
    return { jobs: Number(row.jobs), events: Number(row.events) };
  }

  /** Up to `limit` audit entries written before `before`; how many went. */
  async deleteAudit(before: Date, limit: number): Promise<number> {
    const [row]: { n: string }[] = await this.ds.query(
      `WITH gone AS (
         DELETE FROM audit_log WHERE id IN (
           SELECT id FROM audit_log WHERE at < $1 ORDER BY at LIMIT $2 FOR UPDATE SKIP LOCKED
         ) RETURNING 1
       ) SELECT count(*) AS n FROM gone`,
      [before, limit],
    );
    return Number(row.n);
  }
}
