import type { ChildProcess } from 'node:child_process';
import { exited, startStack } from '../helpers/stack';
import type { Stack } from '../helpers/stack';
import {
  ResumingWatcher,
  duplicates,
  inBusOrder,
  semanticDuplicates,
  sleep,
  storeAgainstStream,
  stopWatchers,
  storedEvents,
  streamEvents,
  waitForStoreToCatchUp,
  drill,
} from '../helpers/faults';

const SUBMIT_MANY = 'mutation($i: [SubmitJobInput!]!) { submitJobs(inputs: $i) { id } }';

/**
 * Drill 2: the aggregator is killed with SIGKILL while a batch is in flight
 * (read from the stream, not yet acknowledged), three times, and restarted.
 */
drill('the aggregator killed with SIGKILL mid-batch', () => {
  let stack: Stack;
  beforeAll(async () => {
    // The aggregator runs only in the processes this drill starts and kills.
    stack = await startStack({ aggregator: false });
  });
  afterAll(async () => {
    await stopWatchers();
    await stack.close();
  });

  it('stores every event exactly once after each restart, with correct job rows', async () => {
    const prefix = stack.env.JOBGATE_PREFIX as string;
    const stream = `${prefix}:events`;
    const key = await stack.createKey('acme', 'OPERATOR');
    const watcher = new ResumingWatcher({
      url: stack.url.replace(/^http/, 'ws'),
      key,
      after: '0-0',
    }).start();
    const env = { AGGREGATOR_BATCH: '200' };
    let agg: ChildProcess = stack.spawn(['aggregator'], env);

    const ids: string[] = [];
    let producing = true;
    const producer = (async () => {
      while (producing) {
        const inputs = Array.from({ length: 20 }, (_, i) => ({
          type: 'sleep',
          input: { ms: 50 + (i % 4) * 25 },
        }));
        const r = await stack.gql<{ submitJobs: { id: string }[] }>(
          SUBMIT_MANY,
          { i: inputs },
          key,
        );
        if (!r.data) throw new Error(JSON.stringify(r.errors));
        ids.push(...r.data.submitJobs.map((j) => j.id));
        await sleep(100);
      }
    })();

    let kills = 0;
    try {
      for (let round = 0; round < 3; round++) {
        await sleep(800);
        // Kill only while entries are delivered to the group and not yet acknowledged: a batch is in flight.
        const pendingAtKill = await stack.waitFor(
          async () => {
            const p = (await stack.redis.call('XPENDING', stream, 'aggregators')) as [
              number,
              ...unknown[],
            ];
            return Number(p[0]) > 0 ? Number(p[0]) : null;
          },
          20_000,
          'a batch in flight',
        );
        agg.kill('SIGKILL');
        await exited(agg);
        kills++;
        expect(pendingAtKill).toBeGreaterThan(0);
        await sleep(300);
        agg = stack.spawn(['aggregator'], env);
      }
    } finally {
      producing = false;
      await producer;
    }

    await stack.waitFor(
      async () => {
        const rows: { n: string }[] = await stack.app.ds.query(
          `SELECT count(*) AS n FROM jobs WHERE id = ANY($1) AND status = 'SUCCEEDED'`,
          [ids],
        );
        return Number(rows[0].n) === ids.length;
      },
      60_000,
      `all ${ids.length} jobs SUCCEEDED in the store`,
    );
    await waitForStoreToCatchUp(stack, prefix);

    const cmp = await storeAgainstStream(stack, prefix);
    expect(cmp.missing).toEqual([]);
    expect(cmp.extra).toEqual([]);
    const stored = await storedEvents(stack);
    expect(duplicates(stored.map((e) => e.id))).toEqual([]);
    expect(semanticDuplicates(stored)).toEqual([]);

    // Each job: QUEUED, STARTED, 10 PROGRESS, COMPLETED, and its row agrees with its last event.
    const perJob: { job_id: string; n: string }[] = await stack.app.ds.query(
      'SELECT job_id, count(*) AS n FROM job_events WHERE job_id = ANY($1) GROUP BY job_id',
      [ids],
    );
    expect(perJob).toHaveLength(ids.length);
    expect(perJob.filter((p) => Number(p.n) !== 13)).toEqual([]);
    const wrongRows = await stack.app.ds.query(
      `SELECT j.id FROM jobs j
        JOIN LATERAL (SELECT ms, seq FROM job_events e WHERE e.job_id = j.id ORDER BY ms DESC, seq DESC LIMIT 1) last ON true
       WHERE j.id = ANY($1)
         AND NOT (j.status = 'SUCCEEDED' AND j.progress = 100 AND j.attempts = 1 AND j.started_at IS NOT NULL
                  AND j.finished_at IS NOT NULL AND j.last_event_ms = last.ms AND j.last_event_seq = last.seq)`,
      [ids],
    );
    expect(wrongRows).toEqual([]);
    const pending = (await stack.redis.call('XPENDING', stream, 'aggregators')) as [number];
    expect(Number(pending[0])).toBe(0);

    // A subscriber saw each event once, in bus order.
    const all = (await streamEvents(stack.redis, prefix)).map((e) => e.id);
    await stack.waitFor(
      async () => watcher.ids.length >= all.length,
      20_000,
      'the watcher to catch up',
    );
    await watcher.stop();
    expect(watcher.ids).toEqual(all);
    expect(inBusOrder(watcher.ids)).toBe(true);
    expect(kills).toBe(3);
    console.log(
      `aggregator-kill drill: ${ids.length} jobs, ${cmp.stream} events, 3 kills mid-batch, stored exactly once`,
    );
    agg.kill('SIGTERM');
    await exited(agg);
  }, 150_000);
});
