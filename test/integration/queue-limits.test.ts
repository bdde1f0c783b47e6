import type { JobEvent } from '../../src/model/job-event';
import { definitionsOf } from '../../src/sdk/load-modules';
import { startLaneStack } from '../fixtures/lane-stack';
import type { LaneStack } from '../fixtures/lane-stack';
import * as limits from '../fixtures/limits-jobs';

let stack: LaneStack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

/** Submits `n` naps of `ms` on `backend` and waits until all have SUCCEEDED. */
async function runNaps(
  s: LaneStack,
  type: string,
  n: number,
  ms: number,
  backend: 'BULLMQ' | 'TEMPORAL',
): Promise<string[]> {
  const jobs = await Promise.all(
    Array.from({ length: n }, () => s.submit({ type, input: { ms }, backend })),
  );
  const done = await Promise.all(jobs.map((j) => s.waitForStatus(j.id, ['SUCCEEDED', 'FAILED'])));
  expect(done.map((j) => j.status)).toEqual(Array.from({ length: n }, () => 'SUCCEEDED'));
  return jobs.map((j) => j.id);
}

/** The jobs' events of the given types, by timestamp, ties in bus order. */
async function timeline(s: LaneStack, ids: string[], types: string[]): Promise<JobEvent[]> {
  const all = await s.busEvents();
  return all
    .map((e, i) => ({ e, i }))
    .filter(({ e }) => ids.includes(e.jobId) && types.includes(e.type))
    .sort((a, b) => Date.parse(a.e.timestamp) - Date.parse(b.e.timestamp) || a.i - b.i)
    .map(({ e }) => e);
}

/** The most attempts running at once, from start and end events (an end at the same ms goes first). */
function peakRunning(events: JobEvent[], start: string, end: string): number {
  let running = 0;
  let peak = 0;
  const ordered = [...events].sort((a, b) => {
    const dt = Date.parse(a.timestamp) - Date.parse(b.timestamp);
    if (dt !== 0) return dt;
    return (a.type === end ? 0 : 1) - (b.type === end ? 0 : 1);
  });
  for (const e of ordered) {
    if (e.type === start) running++;
    else if (e.type === end) running--;
    peak = Math.max(peak, running);
  }
  return peak;
}

describe('queue limits on BULLMQ', () => {
  it('runs at most 2 naps at once on a queue with concurrency 2, and does run 2 at once', async () => {
    stack = await startLaneStack({ jobs: definitionsOf(limits) });
    const ids = await runNaps(stack, limits.limitedNap.name, 8, 300, 'BULLMQ');
    const events = await timeline(stack, ids, ['STARTED', 'COMPLETED']);
    expect(events.filter((e) => e.type === 'STARTED')).toHaveLength(8);
    expect(events.filter((e) => e.type === 'COMPLETED')).toHaveLength(8);
    const peak = peakRunning(events, 'STARTED', 'COMPLETED');
    const span = Date.parse(events.at(-1)!.timestamp) - Date.parse(events[0].timestamp);
    console.log(`concurrency 2 on BULLMQ: peak ${peak} running, 8 naps of 300 ms in ${span} ms`);
    expect(peak).toBe(2);
    // Four rounds of two 300 ms naps at least.
    expect(span).toBeGreaterThanOrEqual(4 * 300 - 50);
  });

  it('starts at most 2 naps per 1 s window on a queue limited to 2 per second', async () => {
    stack = await startLaneStack({ jobs: definitionsOf(limits) });
    const ids = await runNaps(stack, limits.ratedNap.name, 6, 50, 'BULLMQ');
    const starts = (await timeline(stack, ids, ['STARTED'])).map((e) => Date.parse(e.timestamp));
    expect(starts).toHaveLength(6);
    // The limiter's window opens when a job is fetched; its STARTED event is stamped after a
    // cancel check and an emit, which a loaded machine can stretch to a hundred ms or more.
    const tolerance = 200;
    // BullMQ's limiter counts starts in fixed windows, each opened by its first start: two in
    // the first window, none before it closes, and a later pair may sit close to the previous
    // one across a window's edge. So: the first second holds 2, any second at most 2 windows'
    // worth, and six starts need three windows.
    const inFirstWindow = starts.filter((t) => t < starts[0] + 1000 - tolerance).length;
    const busiest = Math.max(
      ...starts.map((t) => starts.filter((u) => u >= t && u < t + 1000 - tolerance).length),
    );
    const span = starts.at(-1)! - starts[0];
    console.log(
      `rate limit 2/s on BULLMQ: ${inFirstWindow} starts in the first window, at most ${busiest} in any second, 6 starts over ${span} ms, offsets ${starts.map((t) => t - starts[0]).join(', ')} ms`,
    );
    expect(inFirstWindow).toBe(2);
    expect(busiest).toBeLessThanOrEqual(4);
    expect(span).toBeGreaterThanOrEqual(2000 - tolerance);
  });

  it('runs one nap at a time on a queue with global concurrency 1, though the worker could run 4', async () => {
    stack = await startLaneStack({ jobs: definitionsOf(limits) });
    const ids = await runNaps(stack, limits.globalNap.name, 6, 200, 'BULLMQ');
    const events = await timeline(stack, ids, ['STARTED', 'COMPLETED']);
    expect(events).toHaveLength(12);
    const peak = peakRunning(events, 'STARTED', 'COMPLETED');
    const span = Date.parse(events.at(-1)!.timestamp) - Date.parse(events[0].timestamp);
    console.log(
      `global concurrency 1 on BULLMQ: peak ${peak} running, 6 naps of 200 ms in ${span} ms`,
    );
    expect(peak).toBe(1);
    expect(span).toBeGreaterThanOrEqual(6 * 200 - 50);
  });
});

describe('queue limits on TEMPORAL', () => {
  it('runs at most 2 activities at once on a queue with concurrency 2', async () => {
    stack = await startLaneStack({ jobs: definitionsOf(limits), temporal: true });
    const ids = await runNaps(stack, limits.limitedNap.name, 6, 500, 'TEMPORAL');
    const events = await timeline(stack, ids, ['ACTIVITY_STARTED', 'ACTIVITY_COMPLETED']);
    expect(events.filter((e) => e.type === 'ACTIVITY_STARTED')).toHaveLength(6);
    expect(events.filter((e) => e.type === 'ACTIVITY_COMPLETED')).toHaveLength(6);
    const peak = peakRunning(events, 'ACTIVITY_STARTED', 'ACTIVITY_COMPLETED');
    const span = Date.parse(events.at(-1)!.timestamp) - Date.parse(events[0].timestamp);
    console.log(`concurrency 2 on TEMPORAL: peak ${peak} running, 6 naps of 500 ms in ${span} ms`);
    expect(peak).toBeLessThanOrEqual(2);
    expect(peak).toBeGreaterThanOrEqual(1);
    expect(span).toBeGreaterThanOrEqual(3 * 500 - 50);
  }, 90_000);

  it('starts activities at about 2 per second on a queue limited to 2 per second', async () => {
    stack = await startLaneStack({ jobs: definitionsOf(limits), temporal: true });
    const ids = await runNaps(stack, limits.ratedNap.name, 6, 50, 'TEMPORAL');
    const starts = (await timeline(stack, ids, ['ACTIVITY_STARTED'])).map((e) =>
      Date.parse(e.timestamp),
    );
    expect(starts).toHaveLength(6);
    // Temporal's task-queue limit (maxTaskQueueActivitiesPerSecond = 2) is applied by the
    // server's matching service: it lets a first burst through, then paces the rest (seen here:
    // 3 starts within 35 ms, then 2 every 2 s). Unlimited, six 50 ms naps on this queue would
    // all start within a few tens of ms. So: six starts need about two seconds or more, and no
    // second holds more than two seconds' worth.
    const tolerance = 300;
    const span = starts.at(-1)! - starts[0];
    const busiest = Math.max(
      ...starts.map((t) => starts.filter((u) => u >= t && u < t + 1000 - tolerance).length),
    );
    console.log(
      `rate limit 2/s on TEMPORAL: 6 activity starts over ${span} ms, at most ${busiest} in any second, offsets ${starts.map((t) => t - starts[0]).join(', ')} ms`,
    );
    expect(span).toBeGreaterThanOrEqual(2000 - tolerance);
    expect(busiest).toBeLessThanOrEqual(4);
  }, 90_000);
});
