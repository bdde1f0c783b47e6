import type { Backend, JobEventType } from './enums';
import type { JobEvent } from './job-event';

/** Filters of `events` and `jobEvents`. `tenant` undefined means every tenant (ADMIN). */
export interface EventQuery {
  tenant?: string;
  jobId?: string;
  types?: JobEventType[];
  backends?: Backend[];
  queue?: string;
}

/** True when `e` passes `q` (the same rule the SQL applies), for live events. */
export function eventMatches(e: JobEvent, q: EventQuery): boolean {
  return (
    (q.tenant === undefined || e.tenant === q.tenant) &&
    (!q.jobId || e.jobId === q.jobId) &&
    (!q.types?.length || q.types.includes(e.type)) &&
    (!q.backends?.length || q.backends.includes(e.source)) &&
    (!q.queue || e.queue === q.queue)
  );
}
