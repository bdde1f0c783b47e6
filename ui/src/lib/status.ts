import type { JobStatus } from '../../../src/client/documents';
import { statusOfEvent } from '../../../src/model/status-model';
import type { JobEventType } from '../../../src/model/enums';

export const STATUSES = [
  'QUEUED',
  'DELAYED',
  'RUNNING',
  'WAITING',
  'SUCCEEDED',
  'FAILED',
  'CANCELLED',
] as const;
export const FINAL = new Set(['SUCCEEDED', 'FAILED', 'CANCELLED']);

/** The status an event puts a job in (the gateway's own status model), or null. */
export const statusAfter = (type: string): JobStatus | null =>
  (statusOfEvent[type as JobEventType] as JobStatus | undefined) ?? null;
