import { createHash } from 'node:crypto';
import { badInput } from '../model/app-error';
import { MIN_EVERY_MS, SCHEDULE_ID } from '../model/schedule';
import type { ScheduleInput, ScheduleRecord } from '../model/schedule';
import { cronProblem, isTimeZone } from '../model/schedule-times';

/** Longest interval: what a Node timer and an int column hold (about 24.8 days). */
const MAX_EVERY_MS = 2_147_483_647;

/**
 * Checks the timing of a schedule input; each problem is BAD_USER_INPUT naming its field
 * (`field` is where the input sits: `input` for upsertSchedule).
 */
export function checkTiming(i: ScheduleInput, field: string): void {
  if (i.id != null && !SCHEDULE_ID.test(i.id))
    throw badInput(
      `${field}.id must be 1-100 of [A-Za-z0-9_.-] starting with a letter or digit (got ${JSON.stringify(i.id)})`,
      `${field}.id`,
    );
  const hasCron = i.cron != null && i.cron !== '';
  const hasEvery = i.everyMs != null;
  if (hasCron === hasEvery)
    throw badInput(
      `${field}.cron and ${field}.everyMs: give exactly one of them (got ${hasCron ? 'both' : 'neither'})`,
      `${field}.${hasCron ? 'everyMs' : 'cron'}`,
    );
  if (hasCron) {
    const problem = cronProblem(i.cron as string);
    if (problem)
      throw badInput(
        `${field}.cron '${i.cron}' is not a cron expression: ${problem}`,
        `${field}.cron`,
      );
  }
  if (hasEvery) {
    const every = i.everyMs as number;
    if (!Number.isInteger(every) || every < MIN_EVERY_MS || every > MAX_EVERY_MS)
      throw badInput(
        `${field}.everyMs must be an integer from ${MIN_EVERY_MS} to ${MAX_EVERY_MS} ms (got ${every})`,
        `${field}.everyMs`,
      );
  }
  const tz = i.timezone ?? 'UTC';
  if (!isTimeZone(tz))
    throw badInput(
      `${field}.timezone '${tz}' is not an IANA time zone (e.g. 'UTC', 'Europe/Berlin')`,
      `${field}.timezone`,
    );
  if (i.startAt && i.endAt && i.endAt.getTime() <= i.startAt.getTime())
    throw badInput(
      `${field}.endAt (${i.endAt.toISOString()}) must be after startAt (${i.startAt.toISOString()})`,
      `${field}.endAt`,
    );
}

/** JSON with object keys sorted: one spec, one text. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * Hash of what the engine holds for a schedule (everything but its paused state and note):
 * an upsert whose hash did not change leaves the engine alone. The engine also holds what the
 * type's version said when the schedule was written (a workflow's name, attempts, timeouts),
 * so a new version of the type makes a new hash.
 */
export function specHash(
  s: Omit<ScheduleRecord, 'paused' | 'note' | 'createdAt' | 'source'>,
  typeVersion: string,
): string {
  const { id, tenant, type, input, backend, priority, queue, cron, everyMs, timezone } = s;
  const { overlap, startAt, endAt } = s;
  return createHash('sha256')
    .update(
      canonical({
        id,
        tenant,
        type,
        input,
        backend,
        priority,
        queue,
        cron,
        everyMs,
        timezone,
        overlap,
        startAt,
        endAt,
        typeVersion,
      }),
    )
    .digest('hex')
    .slice(0, 16);
}
