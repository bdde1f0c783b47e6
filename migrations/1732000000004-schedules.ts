import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `schedules`: every schedule of both lanes, kept in step with the engines (BullMQ job
 * schedulers, Temporal Schedules) so one query lists them all, and the spec a paused BullMQ
 * schedule (whose scheduler is removed) comes back with. `jobs.schedule_id` ties each run to
 * its schedule.
 */
export class Schedules1732000000004 implements MigrationInterface {
  name = 'Schedules1732000000004';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE schedules (
        id text PRIMARY KEY,
        tenant text NOT NULL,
        type text NOT NULL,
        input jsonb,
        backend text NOT NULL,
        priority text NOT NULL,
        queue text NOT NULL,
        cron text,
        every_ms int,
        timezone text NOT NULL DEFAULT 'UTC',
        overlap text NOT NULL,
        paused boolean NOT NULL DEFAULT false,
        note text,
        start_at timestamptz,
        end_at timestamptz,
        source text NOT NULL DEFAULT 'api',
        spec_hash text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CHECK ((cron IS NULL) <> (every_ms IS NULL))
      )`);
    await q.query(`CREATE INDEX schedules_tenant ON schedules (tenant, created_at, id)`);
    await q.query(`ALTER TABLE jobs ADD COLUMN schedule_id text`);
    await q.query(
      `CREATE INDEX jobs_schedule_created ON jobs (schedule_id, created_at DESC, id DESC) WHERE schedule_id IS NOT NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX jobs_schedule_created`);
    await q.query(`ALTER TABLE jobs DROP COLUMN schedule_id`);
    await q.query(`DROP TABLE schedules`);
  }
}
