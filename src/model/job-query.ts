import type { Backend, JobStatus } from './enums';

/** Filters of `jobs`, already checked. `tenant` undefined means every tenant (ADMIN). */
export interface JobQuery {
  tenant?: string;
  ids?: string[];
  types?: string[];
  backends?: Backend[];
  statuses?: JobStatus[];
  queue?: string;
  createdAfter?: Date;
  createdBefore?: Date;
  /** Jobs started by these schedules. */
  scheduleIds?: string[];
  /** Children of this job (flows). */
  parentId?: string;
}

/** Keyset position in the (created_at DESC, id DESC) order. */
export interface JobCursor {
  createdAt: Date;
  id: string;
}
