import { CODE_SCHEDULE_DECLARED_ID, MIN_EVERY_MS } from '../model/schedule';
import { cronProblem, isTimeZone } from '../model/schedule-times';
import type { DefinitionChecks } from './define-checks';

/**
 * A schedule declared with its job type (`defineJob` or `defineWorkflow({ schedules: [...] })`): a worker upserts
 * it when it registers the type, in tenant `default`, under the id `code.<id>` (a namespace the
 * API refuses to write). Exactly one of `cron` and `everyMs`.
 */
export interface JobScheduleOptions<I = unknown> {
  /**
   * The schedule's id: 1-95 of [A-Za-z0-9_.-]; one id, one schedule, however many workers. It is
   * stored, and read over the API, as `code.<id>`.
   */
  id: string;
  /** Cron expression, 5 fields or 6 with seconds first. */
  cron?: string;
  /** Interval between runs, ms, at least 1000. */
  everyMs?: number;
  /** IANA zone the cron expression is read in. @defaultValue 'UTC' */
  timezone?: string;
  /** Input of every run, checked against the type's schema when the worker upserts it. */
  input?: I;
  /** @defaultValue 'SKIP' */
  overlap?: 'SKIP' | 'BUFFER_ONE' | 'ALLOW_ALL';
}

const OVERLAPS = ['SKIP', 'BUFFER_ONE', 'ALLOW_ALL'];

/** Checks `schedules` of a defineJob or defineWorkflow; each problem is a DefinitionError naming the field. */
export function checkSchedules(c: DefinitionChecks, value: unknown): void {
  if (value === undefined) return;
  if (!Array.isArray(value)) c.fail('schedules', 'must be an array of { id, cron | everyMs, ... }');
  const seen = new Set<string>();
  value.forEach((raw: unknown, n: number) => {
    const f = `schedules[${n}]`;
    if (!raw || typeof raw !== 'object') c.fail(f, 'must be an object');
    const s = raw as Partial<JobScheduleOptions>;
    if (typeof s.id !== 'string' || !CODE_SCHEDULE_DECLARED_ID.test(s.id))
      c.fail(`${f}.id`, `must be 1-95 of [A-Za-z0-9_.-] (got ${JSON.stringify(s.id)})`);
    if (seen.has(s.id)) c.fail(`${f}.id`, `'${s.id}' is declared twice`);
    seen.add(s.id);
    if ((s.cron === undefined) === (s.everyMs === undefined))
      c.fail(f, 'needs exactly one of cron and everyMs');
    if (s.cron !== undefined) {
      const problem = typeof s.cron === 'string' ? cronProblem(s.cron) : 'must be a string';
      if (problem) c.fail(`${f}.cron`, problem);
    }
    c.integer(`${f}.everyMs`, s.everyMs, MIN_EVERY_MS);
    if (s.timezone !== undefined && (typeof s.timezone !== 'string' || !isTimeZone(s.timezone)))
      c.fail(`${f}.timezone`, `must be an IANA time zone (got ${JSON.stringify(s.timezone)})`);
    if (s.overlap !== undefined && !OVERLAPS.includes(s.overlap))
      c.fail(`${f}.overlap`, `must be one of ${OVERLAPS.join(', ')}`);
  });
}
