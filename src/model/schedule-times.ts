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

/** Offsets of `tz` within a day either side of the instant `ms`: a DST change is among them. */
const offsetsAround = (tz: string, ms: number): number[] => [
  zoneOffsetMs(tz, ms - 26 * 3_600_000),
  zoneOffsetMs(tz, ms),
  zoneOffsetMs(tz, ms + 26 * 3_600_000),
];

/**
 * The instants a local wall-clock time (given as the UTC instant with the same digits) is in
 * `tz`: none when a DST gap skips it, two when a DST fold repeats it, one otherwise.
 */
export function instantsOfWallTime(tz: string, wall: number): number[] {
  const out: number[] = [];
  for (const o of new Set(offsetsAround(tz, wall))) {
    const t = wall - o;
    if (zoneOffsetMs(tz, t) === o) out.push(t);
  }
  return out.sort((a, b) => a - b);
}

const DAY = 24 * 3_600_000;

/**
 * The first instant in (from, to] where `tz` is no longer at offset `o`, or null. Steps a day
 * at a time (zones change offset at most about twice a year), then bisects to the millisecond.
 */
function firstChange(tz: string, from: number, to: number, o: number): number | null {
  for (let lo = from; lo < to;) {
    const hi = Math.min(lo + DAY, to);
    if (zoneOffsetMs(tz, hi) !== o) {
      let a = lo;
      let b = hi;
      while (b - a > 1) {
        const m = Math.floor((a + b) / 2);
        if (zoneOffsetMs(tz, m) === o) a = m;
        else b = m;
      }
      return b;
    }
    lo = hi;
  }
  return null;
}

/**
 * The next `count` fire times of a cron expression after `after`, with Temporal's rules for
 * daylight saving: an instant fires when its local wall-clock time matches the expression. So
 * a local time that does not exist (spring forward) is skipped, and one that happens twice
 * (fall back) fires twice. cron-parser on its own moves a skipped time forward and fires a
 * repeated time once; here it only lists wall-clock matches, read as UTC (which has no DST),
 * one stretch of constant offset at a time.
 */
export function nextCronTimes(cron: string, tz: string, after: number, count: number): number[] {
  const out: number[] = [];
  let from = after;
  for (let stretch = 0; out.length < count && stretch < 1000; stretch++) {
    const o = zoneOffsetMs(tz, from + 1);
    const it = parseExpression(cron, { currentDate: new Date(from + o), tz: 'UTC' });
    for (;;) {
      let wall: number;
      try {
        wall = it.next().getTime();
      } catch {
        return out; // no further match (an expression with a fixed year, say)
      }
      const t = wall - o;
      const change = firstChange(tz, from, t, o);
      if (change !== null) {
        // The offset changes before t: go on from the change with the new offset.
        from = change - 1;
        break;
      }
      out.push(t);
      if (out.length >= count) return out;
      from = t;
    }
  }
  return out;
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
