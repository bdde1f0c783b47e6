import { randomBytes } from 'node:crypto';
import { scheduleJobs } from '../fixtures/schedule-jobs';
import { startTemporalStack } from '../helpers/temporal-stack';
import type { TemporalStack } from '../helpers/temporal-stack';
import { driftsOf, runsOf, sleep, upsertSchedule, waitForRuns } from '../helpers/schedules';
import type { RunView } from '../helpers/schedules';

let stack: TemporalStack;
const sid = (what: string): string => `${what}-${randomBytes(4).toString('hex')}`;

beforeAll(async () => {
  stack = await startTemporalStack({ jobs: scheduleJobs, env: { WORKER_CONCURRENCY: '8' } });
}, 120_000);
afterAll(async () => {
  await stack?.close();
});

const overlapping = (runs: RunView[]): boolean => {
  const spans = runs
    .filter((r) => r.startedAt && r.finishedAt)
    .map((r) => [Date.parse(r.startedAt as string), Date.parse(r.finishedAt as string)])
    .sort((a, b) => a[0] - b[0]);
  return spans.some((s, i) => i > 0 && s[0] < spans[i - 1][1]);
};

const queuedOnce = (runs: RunView[]): void => {
  for (const r of runs) {
    expect({ id: r.id, queued: r.events.filter((e) => e.type === 'QUEUED').length }).toEqual({
      id: r.id,
      queued: 1,
    });
  }
};

describe('nextRunTimes', () => {
  it("agrees with Temporal's own next action times for a cron in Europe/Berlin", async () => {
    const id = sid('agree');
    const s = await upsertSchedule(stack, {
      id,
      type: 'sched.sleepy',
      input: { ms: 1 },
      backend: 'TEMPORAL',
      cron: '15 */3 * * 1-5',
      timezone: 'Europe/Berlin',
    });
    const theirs = await stack.lane.schedules().nextActionTimes({ id });
    const ours = await stack.gql<{ schedule: { nextRunTimes: string[] } }>(
      'query($id: ID!) { schedule(id: $id) { nextRunTimes(count: 5) } }',
      { id },
    );
    expect(ours.data?.schedule.nextRunTimes).toEqual(
      theirs.slice(0, 5).map((d) => d.toISOString()),
    );
    expect(s.nextRunTimes).toEqual(theirs.slice(0, 3).map((d) => d.toISOString()));
    await stack.gql('mutation($id: ID!) { deleteSchedule(id: $id) }', { id });
  });
});

describe.each(['BULLMQ', 'TEMPORAL'])('schedules on %s', (backend) => {
  it('fires an interval schedule about on time, and each run is a job with its schedule', async () => {
    const id = sid('every');
    const s = await upsertSchedule(stack, {
      id,
      type: 'sched.sleepy',
      input: { ms: 10 },
      backend,
      everyMs: 1000,
    });
    expect(s).toMatchObject({
      id,
      backend,
      everyMs: 1000,
      cron: null,
      overlap: 'SKIP',
      paused: false,
    });
    expect(s.nextRunTimes).toHaveLength(3);
    expect(Date.parse(s.nextRunTimes[1]) - Date.parse(s.nextRunTimes[0])).toBe(1000);
    const runs = await waitForRuns(stack, id, 4, 30_000);
    for (const r of runs) expect(r.scheduleId).toBe(id);
    queuedOnce(runs);
    const due = runs.map((r) => Date.parse(r.createdAt));
    // On the 1 s grid, one run per due time.
    for (const d of due) expect(d % 1000).toBe(0);
    expect(new Set(due).size).toBe(due.length);
    const finished = runs.filter((r) => r.finishedAt);
    expect(finished.every((r) => r.status === 'SUCCEEDED')).toBe(true);
    const drifts = driftsOf(finished);
    console.log(`${backend} interval drift (start - due), ms: ${JSON.stringify(drifts)}`);
    // Generous: the machine is shared, and a loaded one delays Temporal most (see the README).
    expect(Math.max(...drifts)).toBeLessThan(2500);
    const one = await stack.gql<{ schedule: { recentJobs: { id: string }[] } }>(
      'query($id: ID!) { schedule(id: $id) { recentJobs(first: 2) { id } } }',
      { id },
    );
    expect(one.data?.schedule.recentJobs).toHaveLength(2);
    await stack.gql('mutation($id: ID!) { deleteSchedule(id: $id) }', { id });
  });

  it('runs a 6-field cron (seconds first) on its due times', async () => {
    const id = sid('cron');
    await upsertSchedule(stack, {
      id,
      type: 'sched.sleepy',
      input: { ms: 10 },
      backend,
      cron: '*/2 * * * * *',
      timezone: 'Europe/Berlin',
    });
    const runs = await waitForRuns(stack, id, 3, 30_000);
    await stack.gql('mutation($id: ID!) { deleteSchedule(id: $id) }', { id });
    const due = runs.map((r) => Date.parse(r.createdAt));
    for (const d of due) expect(d % 2000).toBe(0);
    expect(due.slice(1).map((d, i) => d - due[i])).toEqual(due.slice(1).map(() => 2000));
    queuedOnce(runs);
  });

  it('stops runs on pause (with a note) and starts them again on resume', async () => {
    const id = sid('pause');
    await upsertSchedule(stack, {
      id,
      type: 'sched.sleepy',
      input: { ms: 10 },
      backend,
      everyMs: 1000,
    });
    await waitForRuns(stack, id, 2);
    const p = await stack.gql<{
      pauseSchedule: { paused: boolean; note: string; nextRunTimes: string[] };
    }>(
      'mutation($id: ID!) { pauseSchedule(id: $id, note: "maintenance") { paused note nextRunTimes } }',
      { id },
    );
    expect(p.data?.pauseSchedule).toEqual({ paused: true, note: 'maintenance', nextRunTimes: [] });
    await sleep(1500); // a run due just before the pause may still be on its way
    const before = (await runsOf(stack, id)).length;
    await sleep(3000);
    expect((await runsOf(stack, id)).length).toBe(before);
    const r = await stack.gql<{ resumeSchedule: { paused: boolean; note: string | null } }>(
      'mutation($id: ID!) { resumeSchedule(id: $id) { paused note } }',
      { id },
    );
    expect(r.data?.resumeSchedule).toEqual({ paused: false, note: null });
    await waitForRuns(stack, id, before + 2, 20_000);
    await stack.gql('mutation($id: ID!) { deleteSchedule(id: $id) }', { id });
  });

  it('trigger starts one run at once, even while paused', async () => {
    const id = sid('trigger');
    await upsertSchedule(stack, {
      id,
      type: 'sched.sleepy',
      input: { ms: 10 },
      backend,
      cron: '0 0 1 1 *',
      paused: true,
    });
    const t0 = Date.now();
    const r = await stack.gql<{
      triggerSchedule: { id: string; scheduleId: string; backend: string };
    }>('mutation($id: ID!) { triggerSchedule(id: $id) { id scheduleId backend } }', { id });
    expect(r.errors).toBeUndefined();
    const job = r.data?.triggerSchedule as { id: string; scheduleId: string; backend: string };
    expect(job).toMatchObject({ scheduleId: id, backend });
    const done = await stack.waitForStatus(job.id, ['SUCCEEDED'], 20_000);
    expect(done.events.filter((e) => e.type === 'QUEUED')).toHaveLength(1);
    console.log(`${backend} trigger to SUCCEEDED: ${Date.now() - t0} ms`);
    expect(await runsOf(stack, id)).toHaveLength(1);
    await stack.gql('mutation($id: ID!) { deleteSchedule(id: $id) }', { id });
  });

  describe('overlap, with runs of 2.5 s every 1 s', () => {
    const run = async (overlap: string): Promise<RunView[]> => {
      const id = sid(overlap.toLowerCase().replace('_', '-'));
      await upsertSchedule(stack, {
        id,
        type: 'sched.sleepy',
        input: { ms: 2500 },
        backend,
        everyMs: 1000,
        overlap,
      });
      await sleep(7000);
      await stack.gql('mutation($id: ID!) { deleteSchedule(id: $id) }', { id });
      // Runs already started finish; their rows are final then.
      await sleep(3500);
      return runsOf(stack, id);
    };

    it('SKIP drops runs due while one runs: never two at once', async () => {
      const runs = await run('SKIP');
      expect(runs.length).toBeGreaterThanOrEqual(2);
      expect(runs.length).toBeLessThanOrEqual(4);
      expect(overlapping(runs)).toBe(false);
      queuedOnce(runs);
    });

    it('BUFFER_ONE starts one buffered run as soon as the running one ends', async () => {
      const runs = await run('BUFFER_ONE');
      expect(runs.length).toBeGreaterThanOrEqual(2);
      expect(overlapping(runs)).toBe(false);
      const done = runs.filter((r) => r.startedAt && r.finishedAt);
      // Each next run starts right after the previous one finished, not on the next due time.
      for (let i = 1; i < done.length; i++) {
        const gap =
          Date.parse(done[i].startedAt as string) - Date.parse(done[i - 1].finishedAt as string);
        expect(gap).toBeLessThan(900);
      }
      queuedOnce(runs);
    });

    it('ALLOW_ALL starts every due run, overlapping', async () => {
      const runs = await run('ALLOW_ALL');
      expect(runs.length).toBeGreaterThanOrEqual(6);
      expect(overlapping(runs)).toBe(true);
      queuedOnce(runs);
    });
  });
});
