import type { ChildProcess } from 'node:child_process';
import { startLaneStack } from '../fixtures/lane-stack';
import type { LaneStack } from '../fixtures/lane-stack';
import { drill } from '../helpers/faults';
import { exampleDefinitions, exited } from '../helpers/stack';

/**
 * A worker process killed with SIGKILL while it runs a job: the registry shows it LOST
 * within 15 s, and the job runs again on the other worker (BullMQ's stalled-job recovery,
 * Temporal's activity retry after a heartbeat timeout).
 */

// Short enough that the drill takes seconds; the same values reach the spawned workers.
const env = {
  WORKER_LOST_AFTER_MS: '3000',
  WORKER_HEARTBEAT_MS: '500',
  WORKER_LOCK_MS: '3000',
  WORKER_STALLED_INTERVAL_MS: '1000',
};

interface WorkerView {
  id: string;
  pid: number;
  lanes: string[];
  activeJobs: number;
  status: string;
}

async function workers(stack: LaneStack): Promise<WorkerView[]> {
  const r = await stack.gql<{ workers: WorkerView[] }>(
    '{ workers { id pid lanes activeJobs status } }',
  );
  if (!r.data) throw new Error(JSON.stringify(r.errors));
  return r.data.workers;
}

/** Waits until the worker with this pid heartbeats as ACTIVE, and returns it. */
const activeWorker = (stack: LaneStack, pid: number, timeoutMs = 60_000): Promise<WorkerView> =>
  stack.waitFor(
    async () => (await workers(stack)).find((w) => w.pid === pid && w.status === 'ACTIVE'),
    timeoutMs,
    `worker ${pid} to be ACTIVE`,
  );

/** Kills `victim` with SIGKILL; resolves with how long the registry took to show it LOST, ms. */
async function killAndWaitForLost(stack: LaneStack, victim: ChildProcess): Promise<number> {
  const pid = victim.pid!;
  victim.kill('SIGKILL');
  await exited(victim);
  const killedAt = Date.now();
  await stack.waitFor(
    async () => (await workers(stack)).find((w) => w.pid === pid && w.status === 'LOST'),
    15_000,
    `worker ${pid} to be LOST`,
  );
  return Date.now() - killedAt;
}

drill('a worker killed with SIGKILL while it runs a job', () => {
  let stack: LaneStack | undefined;
  afterEach(async () => {
    await stack?.close();
    stack = undefined;
  });

  it('on BULLMQ shows LOST within 15 s, and the other worker runs the job again to success on attempt 2', async () => {
    stack = await startLaneStack({ jobs: exampleDefinitions, bullmqWorker: false, env });
    const s = stack;
    const a = s.spawn(['worker', '--queues=default', '--bullmq'], env);
    const b = s.spawn(['worker', '--queues=default', '--bullmq'], env);
    await Promise.all([activeWorker(s, a.pid!), activeWorker(s, b.pid!)]);

    const job = await s.submit({ type: 'sleep', input: { ms: 6000 }, backend: 'BULLMQ' });
    // The heartbeats say which worker runs it.
    const busy = await s.waitFor(
      async () => (await workers(s)).find((w) => w.activeJobs === 1),
      15_000,
      'a worker with the job',
    );
    expect([a.pid, b.pid]).toContain(busy.pid);
    const [victim, survivor] = busy.pid === a.pid ? [a, b] : [b, a];
    expect((await workers(s)).find((w) => w.pid === survivor.pid)?.activeJobs).toBe(0);

    const lostInMs = await killAndWaitForLost(s, victim);
    const killedAt = Date.now() - lostInMs;
    const rerun = await s.waitFor(
      async () => (await workers(s)).find((w) => w.pid === survivor.pid && w.activeJobs === 1),
      20_000,
      'the survivor to run the job',
    );
    const rerunInMs = Date.now() - killedAt;
    expect(rerun.status).toBe('ACTIVE');

    const done = await s.waitForStatus(job.id, ['SUCCEEDED', 'FAILED', 'CANCELLED'], 40_000);
    console.log(
      `worker-lost on BULLMQ: LOST ${lostInMs} ms after SIGKILL, job running again on the other worker within ${rerunInMs} ms, ${done.status} with attempts ${done.attempts}`,
    );
    expect(done.status).toBe('SUCCEEDED');
    expect(done.attempts).toBe(2);
    expect(done.result).toEqual({ sleptMs: 6000 });
    const types = done.events.map((e) => e.type);
    expect(done.events.filter((e) => e.type === 'STARTED').map((e) => e.attempt)).toEqual([1, 2]);
    expect(types.indexOf('RETRYING')).toBeGreaterThan(types.indexOf('STARTED'));
    expect(types.indexOf('RETRYING')).toBeLessThan(types.lastIndexOf('STARTED'));
    expect(types.filter((t) => ['COMPLETED', 'FAILED', 'CANCELLED'].includes(t))).toEqual([
      'COMPLETED',
    ]);
    // The lost worker stays listed as LOST; the survivor is still ACTIVE.
    const after = await workers(s);
    expect(after.find((w) => w.pid === victim.pid)?.status).toBe('LOST');
    expect(after.find((w) => w.pid === survivor.pid)?.status).toBe('ACTIVE');
  }, 120_000);

  it('on TEMPORAL shows LOST within 15 s, and the activity runs again on the other worker to success', async () => {
    stack = await startLaneStack({
      jobs: exampleDefinitions,
      bullmqWorker: false,
      temporal: true,
      temporalWorker: false,
      env,
    });
    const s = stack;
    const first = s.spawn(['worker', '--temporal'], env);
    await activeWorker(s, first.pid!);
    const job = await s.submit({ type: 'sleep', input: { ms: 6000 }, backend: 'TEMPORAL' });
    expect(job.backend).toBe('TEMPORAL');
    // Only the first worker is up: the activity is its.
    await s.waitFor(
      async () =>
        (await s.busEvents(job.id)).find((e) => e.type === 'PROGRESS' && (e.progress ?? 0) >= 20),
      60_000,
      'the activity to be under way',
    );
    const second = s.spawn(['worker', '--temporal'], env);
    await activeWorker(s, second.pid!);

    const lostInMs = await killAndWaitForLost(s, first);
    const killedAt = Date.now() - lostInMs;
    const restarted = await s.waitFor(
      async () =>
        (await s.busEvents(job.id)).find((e) => e.type === 'ACTIVITY_STARTED' && e.attempt === 2),
      30_000,
      'the activity to start again',
    );
    const rerunInMs = Date.parse(restarted.timestamp) - killedAt;
    const done = await s.waitForStatus(job.id, ['SUCCEEDED', 'FAILED', 'CANCELLED'], 40_000);
    console.log(
      `worker-lost on TEMPORAL: LOST ${lostInMs} ms after SIGKILL, activity attempt 2 started ${rerunInMs} ms after it, ${done.status} with attempts ${done.attempts}`,
    );
    expect(done.status).toBe('SUCCEEDED');
    expect(done.result).toEqual({ sleptMs: 6000 });
    expect(done.events.filter((e) => e.type === 'ACTIVITY_STARTED').map((e) => e.attempt)).toEqual([
      1, 2,
    ]);
    expect(done.attempts).toBe(2);
    const finals = done.events.filter((e) => ['COMPLETED', 'FAILED', 'CANCELLED'].includes(e.type));
    expect(finals.map((e) => e.type)).toEqual(['COMPLETED']);
    expect((await workers(s)).find((w) => w.pid === second.pid)?.status).toBe('ACTIVE');
    second.kill('SIGTERM');
    await exited(second);
  }, 150_000);

  it('with the default settings, on both lanes: LOST within 15 s, and both jobs run again to success', async () => {
    // No shortened settings here: heartbeat 5 s, LOST after 15 s, BullMQ lock and stalled
    // check 30 s each (the README's timings), Temporal's activity heartbeat timeout 5 s.
    stack = await startLaneStack({
      jobs: exampleDefinitions,
      bullmqWorker: false,
      temporal: true,
      temporalWorker: false,
    });
    const s = stack;
    const first = s.spawn(['worker']);
    await activeWorker(s, first.pid!);
    const jobs = {
      BULLMQ: await s.submit({ type: 'sleep', input: { ms: 20_000 }, backend: 'BULLMQ' }),
      TEMPORAL: await s.submit({ type: 'sleep', input: { ms: 20_000 }, backend: 'TEMPORAL' }),
    };
    // Only the first worker is up: both jobs are its.
    await s.waitFor(
      async () =>
        (
          await Promise.all(
            Object.values(jobs).map(async (j) =>
              (await s.busEvents(j.id)).some((e) => e.type === 'PROGRESS'),
            ),
          )
        ).every(Boolean),
      30_000,
      'both jobs to be under way',
    );
    const second = s.spawn(['worker']);
    await activeWorker(s, second.pid!);

    const lostInMs = await killAndWaitForLost(s, first);
    // After the kill: the helper takes its time once the process has exited.
    const killedAt = Date.now() - lostInMs;
    // LOST is 15 s without a heartbeat, and the last one came before the kill: a read 15 s
    // after the kill shows it LOST, whenever the polling above happened to see it first.
    await new Promise((r) => setTimeout(r, Math.max(0, killedAt + 15_000 - Date.now())));
    expect((await workers(s)).find((w) => w.pid === first.pid)?.status).toBe('LOST');
    const rerun: Record<string, number> = {};
    for (const [lane, job] of Object.entries(jobs)) {
      const done = await s.waitForStatus(job.id, ['SUCCEEDED', 'FAILED', 'CANCELLED'], 110_000);
      expect({ lane, status: done.status, attempts: done.attempts, result: done.result }).toEqual({
        lane,
        status: 'SUCCEEDED',
        attempts: 2,
        result: { sleptMs: 20_000 },
      });
      const again = (await s.busEvents(job.id)).find(
        (e) => (e.type === 'STARTED' || e.type === 'ACTIVITY_STARTED') && e.attempt === 2,
      );
      expect(again).toBeDefined();
      rerun[lane] = Date.parse(again!.timestamp) - killedAt;
    }
    console.log(
      `worker-lost with default settings: LOST ${lostInMs} ms after SIGKILL; attempt 2 started ${rerun.BULLMQ} ms after it on BULLMQ, ${rerun.TEMPORAL} ms on TEMPORAL`,
    );
    // BullMQ: the lock (30 s, renewed every 15 s) runs out, then the survivor's stalled check
    // (every 30 s) takes it: up to a minute, plus the time to start it.
    expect(rerun.BULLMQ).toBeLessThanOrEqual(75_000);
    // Temporal: the activity's 5 s heartbeat timeout, then a retry on the survivor.
    expect(rerun.TEMPORAL).toBeLessThanOrEqual(20_000);
    second.kill('SIGTERM');
    await exited(second);
  }, 240_000);
});
