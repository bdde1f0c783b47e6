import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The job type registry: `job_types` holds each type's current definition,
 * `job_type_versions` every version ever registered. Also a partial index for
 * `Job.logs`: the existing (job_id, ms, seq) index walks every event of a job,
 * so reading a few lines of a job with thousands of PROGRESS or ACTIVITY
 * events would filter them all out row by row; this one holds LOG rows only
 * and costs nothing to jobs that never log.
 */
export class JobTypes1732000000003 implements MigrationInterface {
  name = 'JobTypes1732000000003';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE job_types (
        name text PRIMARY KEY,
        version text NOT NULL,
        definition jsonb NOT NULL,
        registered_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE job_type_versions (
        name text NOT NULL,
        version text NOT NULL,
        definition jsonb NOT NULL,
        registered_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (name, version)
      )`);
    await q.query(
      `CREATE INDEX job_events_job_logs ON job_events (job_id, ms, seq) WHERE type = 'LOG'`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX job_events_job_logs`);
    await q.query(`DROP TABLE job_type_versions`);
    await q.query(`DROP TABLE job_types`);
  }
}
