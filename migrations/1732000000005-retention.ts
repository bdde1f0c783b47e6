import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Indexes the retention sweep reads by: finished jobs by status and finish time (a partial
 * index: unfinished rows are never in it), and audit entries by time. Each sweep batch is an
 * index range scan, so it takes a few milliseconds whatever the table's size.
 */
export class Retention1732000000005 implements MigrationInterface {
  name = 'Retention1732000000005';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE INDEX jobs_finished ON jobs (status, finished_at) WHERE finished_at IS NOT NULL`,
    );
    await q.query(`CREATE INDEX audit_log_at ON audit_log (at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX audit_log_at`);
    await q.query(`DROP INDEX jobs_finished`);
  }
}
