import type { RepeatOptions } from 'bullmq';
import { nextCronTime } from '../../model/schedule-times';

/**
 * BullMQ's repeat strategy for cron schedulers, with Temporal's daylight-saving rules (see
 * nextCronTimes): BullMQ's default (cron-parser with `tz`) moves a time that does not exist
 * to the next hour and fires a repeated time once. Queues and workers both need it: the
 * queue computes the first run, each worker the next one when it picks a run up.
 */
export function repeatStrategy(millis: number, opts: RepeatOptions): number | undefined {
  if (!opts.pattern) return undefined;
  const start = opts.startDate ? new Date(opts.startDate).getTime() - 1 : -Infinity;
  const next = nextCronTime(opts.pattern, opts.tz ?? 'UTC', Math.max(millis, start));
  if (next === null) return undefined;
  if (opts.endDate && next > new Date(opts.endDate).getTime()) return undefined;
  return next;
}
