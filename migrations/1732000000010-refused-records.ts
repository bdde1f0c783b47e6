import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * refused_records: the dead-letter table of the batch writers (the aggregator, the audit
 * writer). A record Postgres refuses (a data error, not an outage) is kept here with the
 * error, so the rest of its batch is stored and the writer carries on. `record` is the raw
 * record as text, made storable (NUL and lone surrogates as U+FFFD). A record is kept once
 * per writer and key, however often its batch is retried.
 */
export class RefusedRecords1732000000010 implements MigrationInterface {
  name = 'RefusedRecords1732000000010';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE refused_records (
        id bigserial PRIMARY KEY,
        writer text NOT NULL,
        record_key text NOT NULL,
        tenant text,
        record text NOT NULL,
        error text NOT NULL,
        sqlstate text,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(
      `CREATE UNIQUE INDEX refused_records_key ON refused_records (writer, md5(record_key))`,
    );
    await q.query(`CREATE INDEX refused_records_created ON refused_records (created_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE refused_records`);
  }
}
