import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * jobs.masked_paths: the input paths a job's type marked sensitive when the job was
 * submitted. VIEWERs see them masked for the job's whole life, whatever the type becomes
 * later (a new version, or unregistered). Jobs from before take their type's current paths.
 */
export class JobMaskedPaths1732000000011 implements MigrationInterface {
  name = 'JobMaskedPaths1732000000011';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE jobs ADD COLUMN masked_paths text[]');
    await q.query(`
      UPDATE jobs j SET masked_paths = ARRAY(SELECT jsonb_array_elements_text(t.definition->'sensitiveFields'))
      FROM job_types t
      WHERE t.name = j.type AND jsonb_typeof(t.definition->'sensitiveFields') = 'array'
        AND jsonb_array_length(t.definition->'sensitiveFields') > 0`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE jobs DROP COLUMN masked_paths');
  }
}
