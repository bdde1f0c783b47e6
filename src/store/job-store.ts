import type { DataSource, EntityManager } from 'typeorm';
import { pgJson } from './pg-json';
import { parseStreamId } from '../model/stream-id';
import type { Backend } from '../model/enums';
import type { JobRecord } from '../model/job-record';
import type { JobPatch } from '../model/status-model';
import { FlowStore } from './flow-store';
import { Coalescer } from '../coalescer';
import { COLUMNS, toRecord } from './job-rows';
import type { JobRow, NewJobRow } from './job-rows';
import type { JobCursor, JobQuery } from '../model/job-query';
import { tenantQueueCounts } from './tenant-queue-counts';
import type { TenantQueueRow } from './tenant-queue-counts';

export type { NewJobRow } from './job-rows';

/** Reads and writes the `jobs` projection. */
export class JobStore {
  /** The flow side of the projection: parents, children, subtrees. */
  readonly flows: FlowStore;

  constructor(private readonly ds: DataSource) {
    this.flows = new FlowStore(ds);
  }

  /** Concurrent inserts share one statement (see Coalescer). */
  private readonly inserts = new Coalescer<NewJobRow, boolean>(
    async (rows) => {
      const ids = await this.insertNow(rows);
      return rows.map((r) => ids.has(r.id));
    },
    { isolate: true },
  );

  /**
   * Inserts new rows in one statement. Rows whose (tenant, idempotency key) is
   * taken are skipped; the ids actually inserted are returned.
   */
  async insert(rows: NewJobRow[]): Promise<Set<string>> {
    const done = await this.inserts.submit(rows);
    return new Set(rows.filter((_, i) => done[i]).map((r) => r.id));
  }

  private async insertNow(rows: NewJobRow[], allOrNothing = false): Promise<Set<string>> {
    if (rows.length === 0) return new Set();
    const inserted: { id: string }[] = await this.ds.query(
      `INSERT INTO jobs (id, tenant, type, backend, routing_reason, queue, status, priority, max_attempts, input, idempotency_key, delay_ms, created_at, schedule_id, parent_id, on_failure, masked_paths, flow_keys)
       SELECT r.id, r.tenant, r.type, r.backend, r.routing_reason, r.queue, r.status, r.priority, r.max_attempts, r.input, r.idempotency_key, r.delay_ms, COALESCE(r.created_at, now()), r.schedule_id, r.parent_id, r.on_failure, r.masked_paths, r.flow_keys
       FROM jsonb_to_recordset($1::jsonb) AS r(id text, tenant text, type text, backend text, routing_reason text, queue text, status text, priority text, max_attempts int, input jsonb, idempotency_key text, delay_ms int, created_at timestamptz, schedule_id text, parent_id text, on_failure text, masked_paths text[], flow_keys jsonb)
       ${allOrNothing ? '' : 'ON CONFLICT DO NOTHING'}
       RETURNING id`,
      [
        pgJson(
          rows.map((r) => ({
            id: r.id,
            tenant: r.tenant,
            type: r.type,
            backend: r.backend,
            routing_reason: r.routingReason,
            queue: r.queue,
            status: r.status,
            priority: r.priority,
            max_attempts: r.maxAttempts,
            input: r.input ?? null,
            idempotency_key: r.idempotencyKey,
            delay_ms: r.delayMs,
            created_at: r.createdAt?.toISOString() ?? null,
            schedule_id: r.scheduleId ?? null,
            parent_id: r.parentId ?? null,
            on_failure: r.onFailure ?? null,
            masked_paths: r.maskedPaths?.length ? r.maskedPaths : null,
            flow_keys: r.flowKeys && Object.keys(r.flowKeys).length ? r.flowKeys : null,
          })),
        ),
      ],
    );
    return new Set(inserted.map((r) => r.id));
  }

  /**
   * Inserts every node of a flow in one statement: all rows or none. A unique violation (the
   * root's idempotency key taken meanwhile) fails the whole statement.
   */
  async insertAll(rows: NewJobRow[]): Promise<void> {
    await this.insertNow(rows, true);
  }

  async deleteMany(ids: string[]): Promise<void> {
    if (ids.length) await this.ds.query('DELETE FROM jobs WHERE id = ANY($1)', [ids]);
  }

  async findByIdempotencyKeys(tenant: string, keys: string[]): Promise<JobRecord[]> {
    if (keys.length === 0) return [];
    const rows: JobRow[] = await this.ds.query(
      `SELECT ${COLUMNS} FROM jobs WHERE tenant = $1 AND idempotency_key = ANY($2)`,
      [tenant, keys],
    );
    return rows.map(toRecord);
  }

  /** Jobs by id; `tenant` undefined reads across tenants. Missing ids are absent from the map. */
  async findByIds(ids: readonly string[], tenant?: string): Promise<Map<string, JobRecord>> {
    if (ids.length === 0) return new Map();
    const rows: JobRow[] = tenant
      ? await this.ds.query(`SELECT ${COLUMNS} FROM jobs WHERE id = ANY($1) AND tenant = $2`, [
          ids,
          tenant,
        ])
      : await this.ds.query(`SELECT ${COLUMNS} FROM jobs WHERE id = ANY($1)`, [ids]);
    return new Map(rows.map((r) => [r.id, toRecord(r)]));
  }

  /** Each found job's masked paths (none: an empty list). */
  async maskedPaths(ids: readonly string[]): Promise<Map<string, string[]>> {
    if (ids.length === 0) return new Map();
    const rows: { id: string; masked_paths: string[] | null }[] = await this.ds.query(
      'SELECT id, masked_paths FROM jobs WHERE id = ANY($1)',
      [ids],
    );
    return new Map(rows.map((r) => [r.id, r.masked_paths ?? []]));
  }

  async findById(id: string, tenant?: string): Promise<JobRecord | undefined> {
    return (await this.findByIds([id], tenant)).get(id);
  }

  private where(q: JobQuery, params: unknown[]): string[] {
    const w: string[] = [];
    const add = (sql: (n: string) => string, v: unknown): void => {
      params.push(v);
      w.push(sql(`$${params.length}`));
    };
    if (q.tenant !== undefined) add((n) => `tenant = ${n}`, q.tenant);
    if (q.ids?.length) add((n) => `id = ANY(${n})`, q.ids);
    if (q.types?.length) add((n) => `type = ANY(${n})`, q.types);
    if (q.backends?.length) add((n) => `backend = ANY(${n})`, q.backends);
    if (q.statuses?.length) add((n) => `status = ANY(${n})`, q.statuses);
    if (q.queue) add((n) => `queue = ${n}`, q.queue);
    if (q.createdAfter) add((n) => `created_at > ${n}`, q.createdAfter);
    if (q.createdBefore) add((n) => `created_at < ${n}`, q.createdBefore);
    if (q.scheduleIds?.length) add((n) => `schedule_id = ANY(${n})`, q.scheduleIds);
    if (q.parentId) add((n) => `parent_id = ${n}`, q.parentId);
    return w;
  }

  /** One keyset page, newest first; fetches `first + 1` rows to know if another page follows. */
  async page(
    q: JobQuery,
    first: number,
    after?: JobCursor,
  ): Promise<{ rows: JobRecord[]; hasNext: boolean }> {
    const params: unknown[] = [];
    const w = this.where(q, params);
    if (after) {
      params.push(after.createdAt, after.id);
      w.push(`(created_at, id) < ($${params.length - 1}, $${params.length})`);
    }
    params.push(first + 1);
    const rows: JobRow[] = await this.ds.query(
      `SELECT ${COLUMNS} FROM jobs ${w.length ? `WHERE ${w.join(' AND ')}` : ''}
       ORDER BY created_at DESC, id DESC LIMIT $${params.length}`,
      params,
    );
    return { rows: rows.slice(0, first).map(toRecord), hasNext: rows.length > first };
  }

  async count(q: JobQuery): Promise<number> {
    const params: unknown[] = [];
    const w = this.where(q, params);
    const [row]: { n: string }[] = await this.ds.query(
      `SELECT count(*) AS n FROM jobs ${w.length ? `WHERE ${w.join(' AND ')}` : ''}`,
      params,
    );
    return Number(row.n);
  }

  /** Ids of every job matching `q`, oldest first, at most `limit`. */
  async ids(q: JobQuery, limit: number): Promise<JobRecord[]> {
    const params: unknown[] = [];
    const w = this.where(q, params);
    params.push(limit);
    const rows: JobRow[] = await this.ds.query(
      `SELECT ${COLUMNS} FROM jobs ${w.length ? `WHERE ${w.join(' AND ')}` : ''} ORDER BY created_at LIMIT $${params.length}`,
      params,
    );
    return rows.map(toRecord);
  }

  /**
   * Applies folded patches in one statement; a row changes only when the
   * patch's newest event is newer than the last event it applied.
   */
  async applyPatches(
    patches: Map<string, JobPatch>,
    manager: EntityManager = this.ds.manager,
  ): Promise<void> {
    if (patches.size === 0) return;
    const payload = [...patches].map(([id, p]) => {
      const pos = parseStreamId(p.lastEventId);
      return {
        id,
        status: p.status ?? null,
        progress: p.progress ?? null,
        attempts: p.attempts ?? null,
        result: p.hasResult ? (p.result ?? null) : null,
        has_result: !!p.hasResult,
        error: p.hasError ? (p.error ?? null) : null,
        has_error: !!p.hasError,
        started_at: p.startedAt ?? null,
        finished_at: p.finishedAt ?? null,
        has_finished: !!p.hasFinished,
        reset: !!p.reset,
        ms: pos.ms,
        seq: pos.seq,
      };
    });
    await manager.query(
      `UPDATE jobs j SET
         -- A finished job changes status only when a new run starts (QUEUED).
         status = CASE WHEN j.status IN ('SUCCEEDED', 'FAILED', 'CANCELLED') AND NOT p.reset THEN j.status ELSE COALESCE(p.status, j.status) END,
         progress = COALESCE(p.progress, j.progress),
         attempts = COALESCE(p.attempts, j.attempts),
         result = CASE WHEN p.has_result THEN p.result WHEN p.reset THEN NULL ELSE j.result END,
         error = CASE WHEN p.has_error THEN p.error WHEN p.reset THEN NULL ELSE j.error END,
         started_at = CASE WHEN p.reset THEN p.started_at ELSE COALESCE(j.started_at, p.started_at) END,
         finished_at = CASE WHEN p.has_finished THEN p.finished_at WHEN p.reset THEN NULL ELSE j.finished_at END,
         updated_at = now(),
         last_event_ms = p.ms,
         last_event_seq = p.seq
       FROM jsonb_to_recordset($1::jsonb) AS p(id text, status text, progress real, attempts int, result jsonb,
         has_result boolean, error text, has_error boolean, started_at timestamptz, finished_at timestamptz,
         has_finished boolean, reset boolean, ms bigint, seq int)
       WHERE j.id = p.id AND (j.last_event_ms, j.last_event_seq) < (p.ms, p.seq)`,
      [pgJson(payload)],
    );
  }

  /** Unfinished jobs of a backend created before `before`, oldest first, after the keyset position `after` (the reconciler's work list). */
  unfinished(
    backend: Backend,
    before: Date,
    limit: number,
    after?: JobCursor,
  ): Promise<JobRecord[]> {
    return this.walk(backend, before, limit, after, '');
  }

  /**
   * Jobs of `backend` accepted before `before` that never started (QUEUED or DELAYED, no
   * attempt yet), after the keyset position `after`, oldest first: what the submission
   * relay checks against the engine.
   */
  notStarted(
    backend: Backend,
    before: Date,
    limit: number,
    after?: JobCursor,
  ): Promise<JobRecord[]> {
    return this.walk(
      backend,
      before,
      limit,
      after,
      `AND status IN ('QUEUED', 'DELAYED') AND attempts = 0 AND started_at IS NULL
         -- A flow's nodes reach their engine with their root, never alone.
         AND parent_id IS NULL`,
    );
  }

  /**
   * Jobs of `backend` written after `after` and up to `until`, with no QUEUED event stored,
   * in created_at order (flow nodes left out: their QUEUED goes before the engine call).
   * Finished or not: the relay's check for a submission whose QUEUED a crash lost.
   */
  async withoutQueued(
    backend: Backend,
    after: Date,
    until: Date,
    limit: number,
  ): Promise<JobRecord[]> {
    const rows: JobRow[] = await this.ds.query(
      `SELECT ${COLUMNS} FROM jobs j WHERE j.created_at > $2 AND j.created_at <= $3
         AND j.backend = $1 AND j.parent_id IS NULL
         AND NOT EXISTS (SELECT 1 FROM job_events e WHERE e.job_id = j.id AND e.type = 'QUEUED')
       ORDER BY j.created_at, j.id LIMIT $4`,
      [backend, after, until, limit],
    );
    return rows.map(toRecord);
  }

  /** One tenant's jobs per lane, queue and status (see tenantQueueCounts). */
  queueCounts(tenant: string): Promise<TenantQueueRow[]> {
    return tenantQueueCounts(this.ds, tenant);
  }

  /** Unfinished jobs of `backend` matching `extra`, in (created_at, id) order after `after`. */
  private async walk(
    backend: Backend,
    before: Date,
    limit: number,
    after: JobCursor | undefined,
    extra: string,
  ): Promise<JobRecord[]> {
    const params: unknown[] = [backend, before, limit];
    let cond = '';
    if (after) {
      params.push(after.createdAt, after.id);
      cond = 'AND (created_at, id) > ($4, $5)';
    }
    // The first status test is the predicate of the partial index jobs_unfinished.
    const rows: JobRow[] = await this.ds.query(
      `SELECT ${COLUMNS} FROM jobs WHERE backend = $1
         AND status NOT IN ('SUCCEEDED', 'FAILED', 'CANCELLED')
         AND created_at < $2 ${cond} ${extra}
       ORDER BY created_at, id LIMIT $3`,
      params,
    );
    return rows.map(toRecord);
  }
}
