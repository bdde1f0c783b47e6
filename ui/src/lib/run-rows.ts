import type { JobEvent, JobRow } from '../../../src/client/documents';
import { statusAfter } from './status';

/** One row of the runs list: a listed job, or one a QUEUED event just announced. */
export type RunRow = Omit<JobRow, 'maxAttempts' | 'error'>;

/** Applies one event to the rows: the gateway's status model, run in the browser. */
export function applyEvent(
  rows: RunRow[],
  e: JobEvent,
  addNew: (e: JobEvent) => boolean,
): RunRow[] {
  const i = rows.findIndex((r) => r.id === e.jobId);
  if (i < 0) {
    if (e.type !== 'QUEUED' || !addNew(e)) return rows;
    const row: RunRow = {
      id: e.jobId,
      type: e.jobType,
      status: 'QUEUED',
      backend: e.source,
      queue: e.queue,
      progress: 0,
      attempts: 0,
      createdAt: e.timestamp,
      startedAt: null,
      finishedAt: null,
    };
    return [row, ...rows];
  }
  const r = { ...rows[i] };
  const status = statusAfter(e.type);
  if (status) r.status = status;
  if (e.type === 'QUEUED') Object.assign(r, { progress: 0, finishedAt: null, startedAt: null });
  if (e.type === 'STARTED' && !r.startedAt) r.startedAt = e.timestamp;
  if (e.progress != null) r.progress = e.progress;
  if (e.attempt != null && e.attempt > r.attempts) r.attempts = e.attempt;
  if (e.type === 'COMPLETED') r.progress = 100;
  if (['COMPLETED', 'FAILED', 'CANCELLED'].includes(e.type)) r.finishedAt = e.timestamp;
  const next = rows.slice();
  next[i] = r;
  return next;
}
