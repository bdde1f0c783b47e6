import type { DataSource, EntityManager } from 'typeorm';
import { pgJson } from './pg-json';
import type { JobEvent } from '../model/job-event';
import { formatStreamId, parseStreamId } from '../model/stream-id';
import { JobEventType } from '../model/enums';
import type { Backend } from '../model/enums';
import type { EventQuery } from '../model/event-query';

interface EventRow {
  ms: string;
  seq: number;
  tenant: string;
  job_id: string;
  type: string;
  source: string;
  job_type: string;
  queue: string;
  workflow_id: string | null;
  activity_id: string | null;
  attempt: number | null;
  progress: number | null;
  message: string | null;
  meta: Record<string, unknown> | null;
  ts: Date;
}

const COLUMNS =
  'ms, seq, tenant, job_id, type, source, job_type, queue, workflow_id, activity_id, attempt, progress, message, meta, ts';

const toEvent = (r: EventRow): JobEvent => ({
  id: formatStreamId({ ms: Number(r.ms), seq: r.seq }),
  tenant: r.tenant,
  jobId: r.job_id,
  type: r.type as JobEventType,
  source: r.source as Backend,
  jobType: r.job_type,
  queue: r.queue,
  workflowId: r.workflow_id,
  activityId: r.activity_id,
  attempt: r.attempt,
  progress: r.progress,
  message: r.message,
  meta: r.meta,
  timestamp: r.ts.toISOString(),
});

/** Reads and writes the `job_events` log. */
export class EventStore {
  constructor(private readonly ds: DataSource) {}

  /** Stores events; ones already stored (same stream id) are skipped. */
  async insert(events: JobEvent[], manager: EntityManager = this.ds.manager): Promise<void> {
    if (events.length === 0) return;
    const payload = events.map((e) => {
      const p = parseStreamId(e.id);
      return {
        ms: p.ms,
        seq: p.seq,
        tenant: e.tenant,
        job_id: e.jobId,
        type: e.type,
        source: e.source,
        job_type: e.jobType,
        queue: e.queue,
        workflow_id: e.workflowId ?? null,
        activity_id: e.activityId ?? null,
        attempt: e.attempt ?? null,
        progress: e.progress ?? null,
        message: e.message ?? null,
        meta: e.meta ?? null,
        ts: e.timestamp,
      };
    });
    await manager.query(
      `INSERT INTO job_events (${COLUMNS})
       SELECT ${COLUMNS} FROM jsonb_to_recordset($1::jsonb) AS r(ms bigint, seq int, tenant text, job_id text,
         type text, source text, job_type text, queue text, workflow_id text, activity_id text, attempt int,
         progress real, message text, meta jsonb, ts timestamptz)
       ON CONFLICT (ms, seq) DO NOTHING`,
      [pgJson(payload)],
    );
  }

  /** Events matching `q` after `after` (exclusive) and before `before` (exclusive), oldest first. */
  async list(q: EventQuery, first: number, after?: string, before?: string): Promise<JobEvent[]> {
    const params: unknown[] = [];
    const w: string[] = [];
    const add = (sql: (n: string) => string, v: unknown): void => {
      params.push(v);
      w.push(sql(`$${params.length}`));
    };
    if (q.tenant !== undefined) add((n) => `tenant = ${n}`, q.tenant);
    if (q.jobId) add((n) => `job_id = ${n}`, q.jobId);
    if (q.types?.length) add((n) => `type = ANY(${n})`, q.types);
    if (q.backends?.length) add((n) => `source = ANY(${n})`, q.backends);
    if (q.queue) add((n) => `queue = ${n}`, q.queue);
    if (after) {
      const p = parseStreamId(after);
      params.push(p.ms, p.seq);
      w.push(`(ms, seq) > ($${params.length - 1}, $${params.length})`);
    }
    if (before) {
      const p = parseStreamId(before);
      params.push(p.ms, p.seq);
      w.push(`(ms, seq) < ($${params.length - 1}, $${params.length})`);
    }
    params.push(first);
    const rows: EventRow[] = await this.ds.query(
      `SELECT ${COLUMNS} FROM job_events ${w.length ? `WHERE ${w.join(' AND ')}` : ''}
       ORDER BY ms, seq LIMIT $${params.length}`,
      params,
    );
    return rows.map(toEvent);
  }

  /**
   * The first `first` events after `after` of each job, in one statement
   * (the batch function of the `Job.events` DataLoader).
   */
  forJobs(
    jobIds: readonly string[],
    first: number,
    after?: string,
  ): Promise<Map<string, JobEvent[]>> {
    return this.firstOfJobs(jobIds, first, after);
  }

  /**
   * Up to `first` LOG events of each job after `after` (exclusive), oldest first, in one
   * statement (the partial index `job_events_job_logs` holds LOG rows only).
   */
  logsForJobs(
    jobIds: readonly string[],
    first: number,
    after?: string,
  ): Promise<Map<string, JobEvent[]>> {
    return this.firstOfJobs(jobIds, first, after, JobEventType.LOG);
  }

  private async firstOfJobs(
    jobIds: readonly string[],
    first: number,
    after?: string,
    type?: JobEventType,
  ): Promise<Map<string, JobEvent[]>> {
    const params: unknown[] = [jobIds, first];
    let cond = '';
    if (after) {
      const p = parseStreamId(after);
      params.push(p.ms, p.seq);
      cond = 'AND (e.ms, e.seq) > ($3, $4)';
    }
    // A literal, not a parameter: the planner can then use the partial index of that type.
    const ofType = type ? `AND e.type = '${type}'` : '';
    // LATERAL walks the (job_id, ms, seq) index once per job and stops after `first` rows.
    const rows: EventRow[] = await this.ds.query(
      `SELECT e.* FROM unnest($1::text[]) AS j(id)
       CROSS JOIN LATERAL (
         SELECT ${COLUMNS} FROM job_events e
          WHERE e.job_id = j.id ${ofType} ${cond} ORDER BY e.ms, e.seq LIMIT $2
       ) e`,
      params,
    );
    const out = new Map<string, JobEvent[]>(jobIds.map((id) => [id, []]));
    for (const r of rows) out.get(r.job_id)?.push(toEvent(r));
    return out;
  }
}
