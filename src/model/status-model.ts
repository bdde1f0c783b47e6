import type { JobEvent } from './job-event';
import { FINAL_STATUSES, JobEventType, JobStatus } from './enums';
import type { JobRecord } from './job-record';

/** The status each event type puts a job in; null leaves it as it was. */
export const statusOfEvent: Record<JobEventType, JobStatus | null> = {
  [JobEventType.QUEUED]: JobStatus.QUEUED,
  [JobEventType.STARTED]: JobStatus.RUNNING,
  [JobEventType.PROGRESS]: JobStatus.RUNNING,
  [JobEventType.RETRYING]: JobStatus.DELAYED,
  [JobEventType.COMPLETED]: JobStatus.SUCCEEDED,
  [JobEventType.FAILED]: JobStatus.FAILED,
  [JobEventType.CANCELLED]: JobStatus.CANCELLED,
  [JobEventType.SIGNALED]: JobStatus.RUNNING,
  [JobEventType.WAITING]: JobStatus.WAITING,
  [JobEventType.COMPENSATING]: JobStatus.RUNNING,
  [JobEventType.ACTIVITY_STARTED]: null,
  [JobEventType.ACTIVITY_COMPLETED]: null,
  [JobEventType.ACTIVITY_FAILED]: null,
  [JobEventType.LOG]: null,
};

/** What a run of events changes in a job row. Fields left undefined are unchanged. */
export interface JobPatch {
  status?: JobStatus;
  progress?: number;
  attempts?: number;
  result?: unknown;
  hasResult?: boolean;
  error?: string | null;
  hasError?: boolean;
  startedAt?: string;
  finishedAt?: string;
  hasFinished?: boolean;
  /** A new run began (QUEUED again): result, error, progress and times start over. */
  reset?: boolean;
  /** Id of the newest event folded in. */
  lastEventId: string;
}

/**
 * Marks the QUEUED a submission emits once the engine holds the job (`meta.submitted`). The
 * row was stored QUEUED or DELAYED already, so that event changes nothing in it: it starts no
 * new run, and when it comes after the job's first events (a workflow that started before the
 * gateway's emit landed, or a QUEUED the relay sends late) it cannot take the job back.
 */
export const SUBMITTED = 'submitted';

/** Folds one event into a patch; call in bus order. */
export function foldEvent(patch: JobPatch | undefined, e: JobEvent): JobPatch {
  if (e.type === JobEventType.QUEUED && e.meta?.[SUBMITTED] === true)
    return { ...(patch ?? {}), lastEventId: e.id };
  let p: JobPatch = patch ?? { lastEventId: e.id };
  // A new run starts over: attempts count the attempts of the current run.
  if (e.type === JobEventType.QUEUED)
    p = { reset: true, progress: 0, attempts: 0, lastEventId: e.id };
  p.lastEventId = e.id;
  const status = e.status ?? statusOfEvent[e.type];
  // As in the store: a final status changes only when a new run starts (QUEUED, folded above),
  // so an event that trails a job's end in the same batch (a flow parent's WAITING) keeps it.
  if (status && !(p.status && FINAL_STATUSES.has(p.status))) p.status = status;
  if (e.attempt != null && e.attempt > (p.attempts ?? 0)) p.attempts = e.attempt;
  switch (e.type) {
    case JobEventType.STARTED:
      if (!p.startedAt) p.startedAt = e.timestamp;
      break;
    case JobEventType.PROGRESS:
      if (e.progress != null) p.progress = e.progress;
      break;
    case JobEventType.RETRYING:
      p.error = e.message ?? null;
      p.hasError = true;
      break;
    case JobEventType.COMPLETED:
      p.progress = 100;
      p.result = e.meta?.result ?? null;
      p.hasResult = true;
      p.error = null;
      p.hasError = true;
      p.finishedAt = e.timestamp;
      p.hasFinished = true;
      break;
    case JobEventType.FAILED:
    case JobEventType.CANCELLED:
      p.error = e.message ?? null;
      p.hasError = true;
      p.finishedAt = e.timestamp;
      p.hasFinished = true;
      break;
    default:
      break;
  }
  return p;
}

/** Applies a patch to an in-memory job, as the aggregator's SQL does to its row. */
export function applyPatch(job: JobRecord, p: JobPatch): JobRecord {
  const next: JobRecord = { ...job, lastEventId: p.lastEventId };
  if (p.reset) {
    next.result = null;
    next.error = null;
    next.finishedAt = null;
    next.startedAt = null;
    next.progress = 0;
  }
  if (p.status) next.status = p.status;
  if (p.progress != null) next.progress = p.progress;
  if (p.attempts != null) next.attempts = p.attempts;
  if (p.hasResult) next.result = p.result;
  if (p.hasError) next.error = p.error ?? null;
  if (p.startedAt && !next.startedAt) next.startedAt = new Date(p.startedAt);
  if (p.hasFinished && p.finishedAt) next.finishedAt = new Date(p.finishedAt);
  return next;
}
