import { parseExpression } from 'cron-parser';
import type { ScheduleTiming } from './schedule';

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Offset of `tz` from UTC at the instant `ms`, ms (Berlin in summer: +7200000). */
export function zoneOffsetMs(tz: string, ms: number): number {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(tz, f);
  }
  const p: Record<string, number> = {};
  for (const part of f.formatToParts(new Date(ms))) p[part.type] = Number(part.value);
  const wall = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return wall - (ms - (((ms % 1000) + 1000) % 1000));
}

/** Whether `tz` is an IANA zone this runtime knows. */
export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** Fields of a cron expression: 5, or 6 with seconds first. */
export const cronFields = (cron: string): number => cron.trim().split(/\s+/).length;

/**
 * Why `cron` is not a cron expression jobgate runs, or null when it is one: 5 fields, or 6
 * with seconds first, as cron-parser reads them.
 */
export function cronProblem(cron: string): string | null {
  const n = cronFields(cron);
  if (n !== 5 && n !== 6) return `must have 5 fields, or 6 with seconds first (got ${n})`;
  try {
    parseExpression(cron, { tz: 'UTC' });
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}

/**
 * The instants a local wall-clock time (given as the UTC instant with the same digits) is in
 * `tz`: none when a DST gap skips it, two when a DST fold repeats it, one otherwise.
 */
export function instantsOfWallTime(tz: string, wall: number): number[] {
  const offsets = new Set([
    zoneOffsetMs(tz, wall - 26 * 3_600_000),
    zoneOffsetMs(tz, wall),
    zoneOffsetMs(tz, wall + 26 * 3_600_000),
  ]);
  const out: number[] = [];
  for (const o of offsets) {
    const t = wall - o;
    if (zoneOffsetMs(tz, t) === o) out.push(t);
  }
  return out.sort((a, b) => a - b);
}

const HOUR = 3_600_000;

/**
 * The next `count` fire times of a cron expression after `after`, with Temporal's rules for
 * daylight saving: the expression matches local wall-clock times; a local time that does
 * not exist (spring forward) is skipped, and one that happens twice (fall back) fires twice.
 * cron-parser on its own moves a skipped time forward and fires a repeated time once, so it
 * is used only to list wall-clock matches, read as UTC, which has no DST.
 */
export function nextCronTimes(cron: string, tz: string, after: number, count: number): number[] {
  const found: number[] = [];
  // A wall time's instants lie within a day of it; start a day early so none is missed.
  const it = parseExpression(cron, {
    currentDate: new Date(after + zoneOffsetMs(tz, after) - 26 * HOUR),
    tz: 'UTC',
  });
  for (let guard = 0; guard < 1_000_000; guard++) {
    let wall: number;
    try {
      wall = it.next().getTime();
    } catch {
      break; // no further match (an expression with a fixed year, say)
    }
    for (const t of instantsOfWallTime(tz, wall)) if (t > after) found.push(t);
    if (found.length >= count) {
      found.sort((a, b) => a - b);
      // Later wall times map to instants at least `wall - 26 h` on: none can come before these.
      if (wall - 26 * HOUR > found[count - 1]) break;
    }
  }
  return found.sort((a, b) => a - b).slice(0, count);
}

/** The first fire time of a cron expression after `after` (Temporal's DST rules), or null. */
export const nextCronTime = (cron: string, tz: string, after: number): number | null =>
  nextCronTimes(cron, tz, after, 1)[0] ?? null;

/**
 * The next `count` times a schedule is due after `after`, within its start and end. An
 * interval schedule is due at multiples of `everyMs` from `anchor` (the engines align them:
 * Temporal to the epoch, BullMQ to its first run).
 */
export function nextRunTimes(t: ScheduleTiming, after: number, count: number, anchor = 0): Date[] {
  if (count <= 0) return [];
  const from = Math.max(after, (t.startAt?.getTime() ?? -Infinity) - 1);
  let times: number[];
  if (t.cron) times = nextCronTimes(t.cron, t.timezone, from, count);
  else if (t.everyMs) {
    const every = t.everyMs;
    const first = anchor + (Math.floor((from - anchor) / every) + 1) * every;
    times = Array.from({ length: count }, (_, i) => first + i * every);
  } else times = [];
  const end = t.endAt?.getTime() ?? Infinity;
  return times.filter((x) => x <= end).map((x) => new Date(x));
}
