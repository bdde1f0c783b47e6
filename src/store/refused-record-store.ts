import type { DataSource } from 'typeorm';
import { pgText } from './pg-json';
import { sqlState } from './refusal';

/** The batch writers that dead-letter refused records. */
export type RefusingWriter = 'aggregator' | 'audit';

/** One record Postgres refused, as `refused_records` keeps it. */
export interface RefusedRecord {
  writer: RefusingWriter;
  /** The record's own key: the stream id of an event, an id given to an audit entry. */
  key: string;
  tenant: string | null;
  /** The raw record as text. */
  record: string;
  /** Postgres's error message. */
  error: string;
  /** Postgres's SQLSTATE, when the error had one. */
  sqlstate: string | null;
  createdAt?: Date;
}

/** The dead-letter table of the batch writers (migration RefusedRecords1732000000010). */
export class RefusedRecordStore {
  constructor(private readonly ds: DataSource) {}

  /** Keeps a refused record with the error; a record already kept (writer, key) is left as it is. */
  async add(
    writer: RefusingWriter,
    key: string,
    tenant: string | null,
    record: string,
    err: unknown,
  ): Promise<void> {
    await this.ds.query(
      `INSERT INTO refused_records (writer, record_key, tenant, record, error, sqlstate)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (writer, md5(record_key)) DO NOTHING`,
      [
        writer,
        pgText(key),
        pgText(tenant),
        pgText(record),
        pgText(String((err as Error)?.message ?? err)),
        sqlState(err) ?? null,
      ],
    );
  }

  /** Refused records of `writer`, newest first. */
  async list(writer?: RefusingWriter, first = 100): Promise<RefusedRecord[]> {
    const rows: {
      writer: RefusingWriter;
      record_key: string;
      tenant: string | null;
      record: string;
      error: string;
      sqlstate: string | null;
      created_at: Date;
    }[] = await this.ds.query(
      `SELECT writer, record_key, tenant, record, error, sqlstate, created_at FROM refused_records
        ${writer ? 'WHERE writer = $2' : ''} ORDER BY id DESC LIMIT $1`,
      writer ? [first, writer] : [first],
    );
    return rows.map((r) => ({
      writer: r.writer,
      key: r.record_key,
      tenant: r.tenant,
      record: r.record,
      error: r.error,
      sqlstate: r.sqlstate,
      createdAt: r.created_at,
    }));
  }
}
