import type { MigrationInterface, QueryRunner } from 'typeorm';

/** jobs (the projection), job_events (the log) and api_keys. */
export class Initial1732000000000 implements MigrationInterface {
  name = 'Initial1732000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE jobs (
        id text PRIMARY KEY,
        tenant text NOT NULL,
        type text NOT NULL,
        backend text NOT NULL,
        routing_reason text NOT NULL,
        queue text NOT NULL,
        status text NOT NULL,
        priority text NOT NULL,
        progress real NOT NULL DEFAULT 0,
        attempts int NOT NULL DEFAULT 0,
        max_attempts int NOT NULL,
        input jsonb,
        result jsonb,
        error text,
        idempotency_key text,
        delay_ms int,
        created_at timestamptz NOT NULL DEFAULT now(),
        started_at timestamptz,
        finished_at timestamptz,
        updated_at timestamptz NOT NULL DEFAULT now(),
        last_event_ms bigint NOT NULL DEFAULT 0,
        last_event_seq int NOT NULL DEFAULT 0
      )`);
    await q.query(
      `CREATE UNIQUE INDEX jobs_tenant_idempotency ON jobs (tenant, idempotency_key) WHERE idempotency_key IS NOT NULL`,
    );
    await q.query(`CREATE INDEX jobs_tenant_created ON jobs (tenant, created_at DESC, id DESC)`);
    await q.query(
      `CREATE INDEX jobs_tenant_status_created ON jobs (tenant, status, created_at DESC, id DESC)`,
    );
    await q.query(
      `CREATE INDEX jobs_tenant_type_created ON jobs (tenant, type, created_at DESC, id DESC)`,
    );
    await q.query(`CREATE INDEX jobs_created ON jobs (created_at DESC, id DESC)`);
    await q.query(
      `CREATE INDEX jobs_unfinished ON jobs (backend, created_at) WHERE status NOT IN ('SUCCEEDED', 'FAILED', 'CANCELLED')`,
    );
    await q.query(`
      CREATE TABLE job_events (
        ms bigint NOT NULL,
        seq int NOT NULL,
        tenant text NOT NULL,
        job_id text NOT NULL,
        type text NOT NULL,
        source text NOT NULL,
        job_type text NOT NULL,
        queue text NOT NULL,
        workflow_id text,
        activity_id text,
        attempt int,
        progress real,
        message text,
        meta jsonb,
        ts timestamptz NOT NULL,
        PRIMARY KEY (ms, seq)
      )`);
    await q.query(`CREATE INDEX job_events_job ON job_events (job_id, ms, seq)`);
    await q.query(`CREATE INDEX job_events_tenant ON job_events (tenant, ms, seq)`);
    await q.query(`
      CREATE TABLE api_keys (
        id uuid PRIMARY KEY,
        key_hash text NOT NULL UNIQUE,
        tenant text NOT NULL,
        role text NOT NULL,
        revoked boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE api_keys`);
    await q.query(`DROP TABLE job_events`);
    await q.query(`DROP TABLE jobs`);
  }
}
