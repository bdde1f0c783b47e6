import type { Backend, BackendChoice, Priority } from './enums';

/** What a schedule does when a run is due while its previous job is still running. */
export enum OverlapPolicy {
  /** Drop the due run. */
  SKIP = 'SKIP',
  /** Keep one due run and start it when the previous job finishes. */
  BUFFER_ONE = 'BUFFER_ONE',
  /** Start every due run. */
  ALLOW_ALL = 'ALLOW_ALL',
}

/** When a schedule fires: exactly one of `cron` and `everyMs`. */
export interface ScheduleTiming {
  /** Cron expression, 5 fields or 6 with seconds first; null for an interval schedule. */
  cron: string | null;
  /** Interval between runs, ms; null for a cron schedule. */
  everyMs: number | null;
  /** IANA zone the cron expression is read in. @defaultValue 'UTC' */
  timezone: string;
  startAt: Date | null;
  endAt: Date | null;
}

/** `upsertSchedule`'s input, as the service receives it (GraphQL has checked the shapes). */
export interface ScheduleInput {
  id?: string | null;
  type: string;
  input?: unknown;
  backend?: BackendChoice | null;
  priority?: Priority | null;
  cron?: string | null;
  everyMs?: number | null;
  timezone?: string | null;
  overlap?: OverlapPolicy | null;
  startAt?: Date | null;
  endAt?: Date | null;
  paused?: boolean | null;
}

/** A schedule as the store keeps it; what the GraphQL `Schedule` type is built from. */
export interface ScheduleRecord extends ScheduleTiming {
  id: string;
  tenant: string;
  type: string;
  input: unknown;
  backend: Backend;
  priority: Priority;
  overlap: OverlapPolicy;
  paused: boolean;
  /** Why it was paused. */
  note: string | null;
  /** Queue of the type when the schedule was written (BullMQ queue, Temporal task queue). */
  queue: string;
  /** 'api' or 'code' (declared in a defineJob). */
  source: string;
  createdAt: Date;
}

/** Schedule ids: they become BullMQ scheduler ids and Temporal schedule ids. */
export const SCHEDULE_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;

/** Shortest interval of an interval schedule, ms. */
export const MIN_EVERY_MS = 1000;

/** The tenant of schedules declared in code (a worker serves every tenant). */
export const CODE_SCHEDULE_TENANT = 'default';

/**
 * Prefix of the id of every schedule declared in code: a worker stores the declared id `nightly`
 * as `code.nightly`. No API call may create or replace a schedule under it, so no tenant can
 * claim a code schedule's id before a worker declares it.
 */
export const CODE_SCHEDULE_PREFIX = 'code.';

/** Ids a schedule declared in code may have (the prefix is added to them). */
export const CODE_SCHEDULE_DECLARED_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,94}$/;

/** The stored id of the schedule declared in code as `declared`. */
export const codeScheduleId = (declared: string): string => `${CODE_SCHEDULE_PREFIX}${declared}`;

/** Whether `id` is in the namespace of schedules declared in code. */
export const isCodeScheduleId = (id: string): boolean => id.startsWith(CODE_SCHEDULE_PREFIX);

/** One run an engine's schedule started, as the worker (or a trigger) reports it. */
export interface ScheduledRun {
  /**
   * The run's job id, derived by the engine from the schedule id and the due time: BullMQ's
   * `repeat:<schedule>:<due ms>`, Temporal's `<workflow id>-<due time>`. The same due time
   * always gives the same id, on every worker and after every restart.
   */
  jobId: string;
  scheduleId: string;
  tenant: string;
  type: string;
  backend: Backend;
  queue: string;
  input: unknown;
  priority?: Priority | null;
  /** When the engine said the run was due. */
  dueAt?: Date | null;
}
