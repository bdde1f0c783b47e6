import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Flows: a job may have a parent. `parent_id` links a node to its parent job, `on_failure`
 * says what the node's final failure does to that parent (FAIL_PARENT or IGNORE). The partial
 * index serves `Job.children` and `jobs(filter: { parentId })`; it holds flow nodes only, so
 * jobs outside flows cost it nothing.
 */
export class Flows1732000000006 implements MigrationInterface {
  name = 'Flows1732000000006';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE jobs ADD COLUMN parent_id text NULL, ADD COLUMN on_failure text NULL`,
    );
    await q.query(
      `CREATE INDEX jobs_parent ON jobs (parent_id, created_at, id) WHERE parent_id IS NOT NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX jobs_parent`);
    await q.query(`ALTER TABLE jobs DROP COLUMN on_failure, DROP COLUMN parent_id`);
  }
}
