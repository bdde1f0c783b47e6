import { formatStreamId } from '../model/stream-id';
import type { Backend, JobStatus, Priority } from '../model/enums';
import type { ChildFailurePolicy } from '../model/flow';
import type { JobRecord } from '../model/job-record';
import type { FlowKeys } from '../model/flow-control';

export type NewJobRow = Omit<
  JobRecord,
  | 'createdAt'
  | 'startedAt'
  | 'finishedAt'
  | 'lastEventId'
  | 'result'
  | 'error'
  | 'progress'
  | 'attempts'
> & { createdAt?: Date };

/** Every column of `jobs` a JobRecord is read from. */
export const COLUMNS = `id, tenant, type, backend, routing_reason, queue, status, priority, progress, attempts,
  max_attempts, input, result, error, idempotency_key, delay_ms, created_at, started_at, finished_at,
  last_event_ms, last_event_seq, schedule_id, parent_id, on_failure, masked_paths, flow_keys`;

/** A `jobs` row as pg returns it. */
export interface JobRow {
  id: string;
  tenant: string;
  type: string;
  backend: string;
  routing_reason: string;
  queue: string;
  status: string;
  priority: string;
  progress: number;
  attempts: number;
  max_attempts: number;
  input: unknown;
  result: unknown;
  error: string | null;
  idempotency_key: string | null;
  delay_ms: number | null;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
  last_event_ms: string;
  last_event_seq: number;
  schedule_id: string | null;
  parent_id: string | null;
  on_failure: string | null;
  masked_paths: string[] | null;
  flow_keys: FlowKeys | null;
}

/** A row as a JobRecord. */
export const toRecord = (r: JobRow): JobRecord => ({
  id: r.id,
  tenant: r.tenant,
  type: r.type,
  backend: r.backend as Backend,
  routingReason: r.routing_reason,
  queue: r.queue,
  status: r.status as JobStatus,
  priority: r.priority as Priority,
  progress: r.progress,
  attempts: r.attempts,
  maxAttempts: r.max_attempts,
  input: r.input,
  result: r.result,
  error: r.error,
  idempotencyKey: r.idempotency_key,
  delayMs: r.delay_ms,
  createdAt: r.created_at,
  startedAt: r.started_at,
  finishedAt: r.finished_at,
  lastEventId:
    r.last_event_ms === '0'
      ? null
      : formatStreamId({ ms: Number(r.last_event_ms), seq: r.last_event_seq }),
  scheduleId: r.schedule_id,
  parentId: r.parent_id,
  onFailure: r.on_failure as ChildFailurePolicy | null,
  maskedPaths: r.masked_paths,
  flowKeys: r.flow_keys,
});
