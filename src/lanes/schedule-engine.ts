import type { Backend } from '../model/enums';
import type { ScheduleRecord } from '../model/schedule';

/** The run a trigger started: its job id and when it was due. */
export interface TriggeredRun {
  jobId: string;
  dueAt: Date;
}

/** What the schedule service asks of an engine's own scheduler; each lane implements it. */
export interface ScheduleEngine {
  readonly backend: Backend;
  /** Creates or replaces the engine's schedule; a paused schedule is written paused. */
  upsert(s: ScheduleRecord): Promise<void>;
  pause(s: ScheduleRecord, note: string | null): Promise<void>;
  resume(s: ScheduleRecord): Promise<void>;
  /** Starts one run now, whatever the spec and overlap policy say. */
  trigger(s: ScheduleRecord): Promise<TriggeredRun>;
  /** Removes the engine's schedule; one already gone is not an error. */
  remove(s: ScheduleRecord): Promise<void>;
}
