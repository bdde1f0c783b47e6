import { submit, waitForStatus } from '../helpers/ops';
import { exited, startStack } from '../helpers/stack';
import type { Stack } from '../helpers/stack';
import {
  ResumingWatcher,
  duplicates,
  inBusOrder,
  semanticDuplicates,
  stopWatchers,
  storedEvents,
  streamEvents,
  waitForStoreToCatchUp,
  drill,
} from '../helpers/faults';

/**
 * Drill 1: a BullMQ worker process is killed with SIGKILL while it runs jobs.
 * BullMQ's stalled-job check (run by the surviving worker) puts them back in
 * the queue once their locks expire; they complete, and the store shows the
 * retry and one final state.
 */
drill('a BullMQ worker killed with SIGKILL mid-job', () => {
  let stack: Stack;
  // Short locks so a dead worker's jobs are found stalled in seconds, not a minute.
  const workerEnv = {
    WORKER_CONCURRENCY: '4',
    WORKER_LOCK_MS: '4000',
    WORKER_STALLED_INTERVAL_MS: '2000',
  };
  beforeAll(async () => {
    // Jobs run only in the worker processes this drill starts and kills.
    stack = await startStack({ bullmqWorker: false });
  });
  afterAll(async () => {
    await stopWatchers();
    await stack.close();
  });

  it('is recovered by stalled-job recovery: every job completes once, its retry stored, and a watcher sees each event once', async () => {
    const prefix = stack.env.JOBGATE_PREFIX as string;
    const key = await stack.createKey('acme', 'OPERATOR');
    const watcher = new ResumingWatcher({
      url: stack.url.replace(/^http/, 'ws'),
      key,
      after: '0-0',
    }).start();
    const victim = stack.spawn(['worker', '--queues=default'], workerEnv);

    // Four long jobs, so each is mid-run when the worker dies.
    const jobs = await Promise.all(
      Array.from({ length: 4 }, () => submit(stack, { type: 'sleep', input: { ms: 4000 } }, key)),
    );
    const ids = jobs.map((j) => j.id);
    await stack.waitFor(
      async () => {
        const events = await streamEvents(stack.redis, prefix);
        return ids.every((id) =>
          events.some((e) => e.jobId === id && e.type === 'PROGRESS' && (e.progress ?? 0) >= 30),
        );
      },
      20_000,
      'every job to be at least 30% done',
    );
    victim.kill('SIGKILL');
    await exited(victim);
    const killedAt = Date.now();

    const survivor = stack.spawn(['worker', '--queues=default'], workerEnv);
    try {
      const done = await Promise.all(
        ids.map((id) => waitForStatus(stack, id, ['SUCCEEDED', 'FAILED'], 100_000)),
      );
      const recoveredInMs = Date.now() - killedAt;
      await waitForStoreToCatchUp(stack, prefix);

      for (const job of done) {
        const types = job.events.map((e) => e.type);
        expect({ id: job.id, status: job.status }).toEqual({ id: job.id, status: 'SUCCEEDED' });
        // One final state, and it is the last event.
        expect(types.filter((t) => ['COMPLETED', 'FAILED', 'CANCELLED'].includes(t))).toEqual([
          'COMPLETED',
        ]);
        expect(types.at(-1)).toBe('COMPLETED');
        // The retry is visible: a second STARTED with a higher attempt, after a RETRYING.
        const started = job.events.filter((e) => e.type === 'STARTED');
        expect(started.map((e) => e.attempt)).toEqual([1, 2]);
        const retrying = types.indexOf('RETRYING');
        expect(retrying).toBeGreaterThan(types.indexOf('STARTED'));
        expect(retrying).toBeLessThan(types.lastIndexOf('STARTED'));
        expect(job.attempts).toBe(2);
        expect(job.progress).toBe(100);
      }

      const stored = (await storedEvents(stack)).filter((e) => ids.includes(e.jobId));
      expect(duplicates(stored.map((e) => e.id))).toEqual([]);
      expect(semanticDuplicates(stored)).toEqual([]);

      // The watcher saw exactly the stream's events, once each, in order.
      const expected = (await streamEvents(stack.redis, prefix))
        .filter((e) => ids.includes(e.jobId))
        .map((e) => e.id);
      await stack.waitFor(
        async () => watcher.ids.length >= expected.length,
        20_000,
        'the watcher to catch up',
      );
      expect(watcher.ids).toEqual(expected);
      expect(inBusOrder(watcher.ids)).toBe(true);
      expect(watcher.errors).toEqual([]);
      // Recorded for the report: how long recovery took with these lock settings.
      console.log(
        `worker-kill drill: ${ids.length} jobs recovered ${recoveredInMs} ms after SIGKILL`,
      );
    } finally {
      await watcher.stop();
      survivor.kill('SIGTERM');
      await exited(survivor);
    }
  }, 150_000);
});
