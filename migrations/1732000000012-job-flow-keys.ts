import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * jobs.flow_keys: the key each of a job's flow-control options (concurrency, rateLimit,
 * debounce, deduplicate) took from its input when it was submitted, by option. Null for jobs
 * of types with none, and for jobs from before.
 */
export class JobFlowKeys1732000000012 implements MigrationInterface {
  name = 'JobFlowKeys1732000000012';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE jobs ADD COLUMN flow_keys jsonb');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE jobs DROP COLUMN flow_keys');
  }
}
