import type { DataSource, EntityManager } from 'typeorm';
import type { Backend, Priority } from '../model/enums';
import type { OverlapPolicy, ScheduleRecord } from '../model/schedule';
import { pgJson, pgText } from './pg-json';

interface ScheduleRow {
  id: string;
  tenant: string;
  type: string;
  input: unknown;
  backend: string;
  priority: string;
  queue: string;
  cron: string | null;
  every_ms: number | null;
  timezone: string;
  overlap: string;
  paused: boolean;
  note: string | null;
  start_at: Date | null;
  end_at: Date | null;
  source: string;
  spec_hash: string;
  created_at: Date;
}

/** A stored schedule with the hash of the spec the engine holds. */
export type StoredSchedule = ScheduleRecord & { specHash: string };

const toRecord = (r: ScheduleRow): StoredSchedule => ({
  id: r.id,
  tenant: r.tenant,
  type: r.type,
  input: r.input,
  backend: r.backend as Backend,
  priority: r.priority as Priority,
  queue: r.queue,
  cron: r.cron,
  everyMs: r.every_ms,
  timezone: r.timezone,
  overlap: r.overlap as OverlapPolicy,
  paused: r.paused,
  note: r.note,
  startAt: r.start_at,
  endAt: r.end_at,
  source: r.source,
  specHash: r.spec_hash,
  createdAt: r.created_at,
});

const COLUMNS =
  'id, tenant, type, input, backend, priority, queue, cron, every_ms, timezone, overlap, paused, note, start_at, end_at, source, spec_hash, created_at';

/** The `schedules` table: every schedule of both lanes, kept in step with the engines. */
export class ScheduleStore {
  constructor(private readonly ds: DataSource) {}

  async find(id: string, m: EntityManager = this.ds.manager): Promise<StoredSchedule | undefined> {
    const rows: ScheduleRow[] = await m.query(`SELECT ${COLUMNS} FROM schedules WHERE id = $1`, [
      id,
    ]);
    return rows[0] ? toRecord(rows[0]) : undefined;
  }

  /** How many schedules `tenant` has. */
  async count(tenant: string, m: EntityManager = this.ds.manager): Promise<number> {
    const rows: { n: string }[] = await m.query(
      'SELECT count(*) AS n FROM schedules WHERE tenant = $1',
      [tenant],
    );
    return Number(rows[0].n);
  }

  /** Every schedule of `tenant` (every tenant when undefined), oldest first. */
  async list(tenant?: string): Promise<StoredSchedule[]> {
    const rows: ScheduleRow[] =
      tenant === undefined
        ? await this.ds.query(`SELECT ${COLUMNS} FROM schedules ORDER BY created_at, id`)
        : await this.ds.query(
            `SELECT ${COLUMNS} FROM schedules WHERE tenant = $1 ORDER BY created_at, id`,
            [tenant],
          );
    return rows.map(toRecord);
  }

  /**
   * Runs `fn` in a transaction that holds the schedule's advisory lock: writers of one
   * schedule (gateways, workers upserting code schedules) go one at a time, and an engine
   * call made in `fn` is committed with the row or not at all.
   */
  locked<T>(id: string, fn: (m: EntityManager) => Promise<T>): Promise<T> {
    return this.ds.transaction(async (m) => {
      await m.query(`SELECT pg_advisory_xact_lock(hashtext('jobgate.schedule:' || $1))`, [id]);
      return fn(m);
    });
  }

  async save(s: StoredSchedule, m: EntityManager): Promise<void> {
    await m.query(
      `INSERT INTO schedules (id, tenant, type, input, backend, priority, queue, cron, every_ms, timezone, overlap, paused, note, start_at, end_at, source, spec_hash, created_at)
       VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)
       ON CONFLICT (id) DO UPDATE SET tenant = EXCLUDED.tenant, type = EXCLUDED.type, input = EXCLUDED.input, backend = EXCLUDED.backend,
         priority = EXCLUDED.priority, queue = EXCLUDED.queue, cron = EXCLUDED.cron, every_ms = EXCLUDED.every_ms,
         timezone = EXCLUDED.timezone, overlap = EXCLUDED.overlap, paused = EXCLUDED.paused, note = EXCLUDED.note,
         start_at = EXCLUDED.start_at, end_at = EXCLUDED.end_at, source = EXCLUDED.source,
         spec_hash = EXCLUDED.spec_hash, created_at = EXCLUDED.created_at, updated_at = now()`,
      [
        s.id,
        s.tenant,
        s.type,
        pgJson(s.input ?? null),
        s.backend,
        s.priority,
        s.queue,
        pgText(s.cron),
        s.everyMs,
        s.timezone,
        s.overlap,
        s.paused,
        pgText(s.note),
        s.startAt,
        s.endAt,
        s.source,
        s.specHash,
        s.createdAt,
      ],
    );
  }

  async setPaused(
    id: string,
    paused: boolean,
    note: string | null,
    m: EntityManager,
  ): Promise<void> {
    await m.query(`UPDATE schedules SET paused = $2, note = $3, updated_at = now() WHERE id = $1`, [
      id,
      paused,
      pgText(note),
    ]);
  }

  async delete(id: string, m: EntityManager): Promise<void> {
    await m.query(`DELETE FROM schedules WHERE id = $1`, [id]);
  }
}
