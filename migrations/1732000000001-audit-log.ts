import type { MigrationInterface, QueryRunner } from 'typeorm';

/** audit_log: who did what to which jobs, and how it ended. */
export class AuditLog1732000000001 implements MigrationInterface {
  name = 'AuditLog1732000000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE audit_log (
        id bigserial PRIMARY KEY,
        at timestamptz NOT NULL DEFAULT now(),
        key_id text,
        tenant text NOT NULL,
        role text NOT NULL,
        operation text NOT NULL,
        target_ids text[] NOT NULL DEFAULT '{}',
        outcome text NOT NULL,
        request_id text
      )`);
    await q.query(`CREATE INDEX audit_log_tenant ON audit_log (tenant, id DESC)`);
    await q.query(`CREATE INDEX audit_log_operation ON audit_log (operation, id DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE audit_log`);
  }
}
