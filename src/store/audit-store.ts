import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { pgJson } from './pg-json';
import type { DataSource } from 'typeorm';
import { writeBisecting } from './refusal';
import { RefusedRecordStore } from './refused-record-store';

/** One audited mutation. */
export interface AuditEntry {
  id?: string;
  at?: Date;
  keyId: string | null;
  tenant: string;
  role: string;
  operation: string;
  targetIds: string[];
  /** 'ok' or the error code. */
  outcome: string;
  requestId: string | null;
}

/** Hooks of {@link AuditStore}. */
export interface AuditStoreHooks {
  /** Called with the number of entries of a flush kept in `refused_records` instead (metrics). */
  onRefused?: (count: number) => void;
}

export interface AuditQuery {
  tenant?: string;
  operation?: string;
  outcome?: string;
  keyId?: string;
  since?: Date;
}

/**
 * Writes audit entries in small batches (every `flushMs` or `maxBatch` entries)
 * so auditing costs a mutation no extra round trip; close() flushes the rest.
 */
export class AuditStore {
  private buffer: AuditEntry[] = [];
  private timer?: NodeJS.Timeout;
  private flushing: Promise<void> = Promise.resolve();
  private readonly refused: RefusedRecordStore;
  private closed = false;

  constructor(
    private readonly ds: DataSource,
    private readonly log: Logger,
    /** @defaultValue 100 */
    private readonly flushMs = 100,
    /** @defaultValue 200 */
    private readonly maxBatch = 200,
    private readonly hooks: AuditStoreHooks = {},
  ) {
    this.refused = new RefusedRecordStore(ds);
  }

  record(e: AuditEntry): void {
    this.buffer.push(e);
    if (this.buffer.length >= this.maxBatch) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.flushMs);
  }

  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.buffer;
    this.buffer = [];
    if (!batch.length) return;
    this.flushing = this.flushing.then(() => this.write(batch));
  }

  /**
   * Writes a flush. An entry Postgres refuses for what it holds is found by splitting the
   * batch and kept in `refused_records`; the others are stored. When Postgres is down, the
   * entries not yet stored wait for the next flush rather than being lost.
   */
  private async write(batch: AuditEntry[]): Promise<void> {
    const pending = new Set(batch);
    try {
      const refused = await writeBisecting(
        batch,
        (part) => this.insert(part),
        async (e, err) => {
          this.log.error(
            { err, tenant: e.tenant, operation: e.operation },
            'audit entry refused by Postgres; kept in refused_records',
          );
          await this.refused.add('audit', randomUUID(), e.tenant, JSON.stringify(e), err);
        },
        (part) => part.forEach((e) => pending.delete(e)),
      );
      if (refused) this.hooks.onRefused?.(refused);
    } catch (err) {
      const left = batch.filter((e) => pending.has(e));
      if (this.closed) {
        // Closing, and Postgres cannot take them: the log keeps them, nothing retries after close.
        this.log.error({ err, entries: left }, 'audit entries not stored at close');
        return;
      }
      // Postgres down: keep the entries for the next flush rather than lose them.
      this.log.error({ err, entries: left.length }, 'audit log write failed; will retry');
      this.buffer.unshift(...left);
      this.timer ??= setTimeout(() => this.flush(), 1000);
    }
  }

  private async insert(batch: AuditEntry[]): Promise<void> {
    await this.ds.query(
      `INSERT INTO audit_log (key_id, tenant, role, operation, target_ids, outcome, request_id)
       SELECT key_id, tenant, role, operation, ARRAY(SELECT jsonb_array_elements_text(target_ids)), outcome, request_id
       FROM jsonb_to_recordset($1::jsonb) AS r(key_id text, tenant text, role text, operation text, target_ids jsonb, outcome text, request_id text)`,
      [
        pgJson(
          batch.map((e) => ({
            key_id: e.keyId,
            tenant: e.tenant,
            role: e.role,
            operation: e.operation,
            target_ids: e.targetIds,
            outcome: e.outcome,
            request_id: e.requestId,
          })),
        ),
      ],
    );
  }

  /** Newest first; `after` is the id of the last entry of the previous page. */
  async list(q: AuditQuery, first: number, after?: string): Promise<AuditEntry[]> {
    const params: unknown[] = [];
    const w: string[] = [];
    const add = (sql: (n: string) => string, v: unknown): void => {
      params.push(v);
      w.push(sql(`$${params.length}`));
    };
    if (q.tenant) add((n) => `tenant = ${n}`, q.tenant);
    if (q.operation) add((n) => `operation = ${n}`, q.operation);
    if (q.outcome) add((n) => `outcome = ${n}`, q.outcome);
    if (q.keyId) add((n) => `key_id = ${n}`, q.keyId);
    if (q.since) add((n) => `at >= ${n}`, q.since);
    if (after) add((n) => `id < ${n}`, after);
    params.push(first);
    const rows: {
      id: string;
      at: Date;
      key_id: string | null;
      tenant: string;
      role: string;
      operation: string;
      target_ids: string[];
      outcome: string;
      request_id: string | null;
    }[] = await this.ds.query(
      `SELECT * FROM audit_log ${w.length ? `WHERE ${w.join(' AND ')}` : ''} ORDER BY id DESC LIMIT $${params.length}`,
      params,
    );
    return rows.map((r) => ({
      id: r.id,
      at: r.at,
      keyId: r.key_id,
      tenant: r.tenant,
      role: r.role,
      operation: r.operation,
      targetIds: r.target_ids,
      outcome: r.outcome,
      requestId: r.request_id,
    }));
  }

  /** Flushes what is buffered (one more try for entries waiting on Postgres); from then on a failed write is logged, not retried. */
  async close(): Promise<void> {
    this.flush();
    await this.flushing;
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.buffer.length) await this.write(this.buffer.splice(0));
  }
}
