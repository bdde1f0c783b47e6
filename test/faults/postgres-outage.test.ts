import { SUBMIT, waitForStatus } from '../helpers/ops';
import { startStack } from '../helpers/stack';
import type { Stack } from '../helpers/stack';
import {
  ResumingWatcher,
  duplicates,
  inBusOrder,
  semanticDuplicates,
  sleep,
  startPostgres,
  stopPostgres,
  stopWatchers,
  storedEvents,
  streamEvents,
  waitForStoreToCatchUp,
  drill,
} from '../helpers/faults';

/** Longest a submission may take to be answered, accepted or refused, while Postgres is away. */
const ANSWER_WITHIN_MS = 10_000;
const OUTAGE_MS = 20_000;

interface Attempt {
  key: 'admin' | 'operator';
  startedAt: number;
  ms: number;
  status: number;
  id?: string;
  code?: string;
  message?: string;
}

/**
 * Drill 3: Postgres is stopped for 20 s while jobs run and are submitted. This
 * stops the cluster the whole machine uses: it runs alone, in the serial
 * `test/faults` pass.
 */
drill('Postgres stopped for 20 s', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stopWatchers();
    await startPostgres();
    await stack.close();
  });

  it('turns /readyz red and back, answers every submission in bounded time, and stores every event of every accepted job', async () => {
    const prefix = stack.env.JOBGATE_PREFIX as string;
    const operator = await stack.createKey('acme', 'OPERATOR');
    const watcher = new ResumingWatcher({
      url: stack.url.replace(/^http/, 'ws'),
      key: stack.adminKey,
      after: '0-0',
    }).start();
    await watcher.started;
    const readyz = `${stack.url.replace(/\/graphql$/, '')}/readyz`;
    const t0 = Date.now();

    const ready: { at: number; status: number }[] = [];
    let watching = true;
    const prober = (async () => {
      while (watching) {
        const res = await fetch(readyz, { signal: AbortSignal.timeout(5000) }).catch(() => null);
        ready.push({ at: Date.now() - t0, status: res?.status ?? 0 });
        await sleep(250);
      }
    })();

    const attempts: Attempt[] = [];
    const submitOne = async (who: 'admin' | 'operator'): Promise<void> => {
      const started = Date.now();
      const a: Attempt = { key: who, startedAt: started - t0, ms: 0, status: 0 };
      try {
        const res = await fetch(stack.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            authorization: `Bearer ${who === 'admin' ? stack.adminKey : operator}`,
          },
          body: JSON.stringify({
            query: SUBMIT,
            variables: { input: { type: 'sleep', input: { ms: 300 } } },
          }),
          signal: AbortSignal.timeout(ANSWER_WITHIN_MS * 3),
        });
        a.status = res.status;
        const body = (await res.json()) as {
          data?: { submitJob?: { id: string } };
          errors?: { message: string; extensions?: { code?: string } }[];
        };
        a.id = body.data?.submitJob?.id;
        a.code = body.errors?.[0]?.extensions?.code;
        a.message = body.errors?.[0]?.message;
      } catch (err) {
        a.code = `no answer: ${(err as Error).name}`;
      }
      a.ms = Date.now() - started;
      attempts.push(a);
    };
    let producing = true;
    const producer = (async () => {
      const inFlight: Promise<void>[] = [];
      for (let i = 0; producing; i++) {
        inFlight.push(submitOne(i % 2 ? 'operator' : 'admin'));
        await sleep(250);
      }
      await Promise.all(inFlight);
    })();

    await sleep(3000);
    const stoppedAt = Date.now() - t0;
    await stopPostgres();
    await sleep(OUTAGE_MS);
    const restartedAt = Date.now() - t0;
    await startPostgres();
    await sleep(6000);
    producing = false;
    await producer;
    watching = false;
    await prober;

    const accepted = attempts.filter((a) => a.id).map((a) => a.id as string);
    const refused = attempts.filter((a) => !a.id);
    const during = attempts.filter((a) => a.startedAt >= stoppedAt && a.startedAt < restartedAt);
    const summary = {
      submissions: attempts.length,
      accepted: accepted.length,
      refused: refused.length,
      refusedCodes: [...new Set(refused.map((a) => `${a.status} ${a.code}`))],
      slowestAnswerMs: Math.max(...attempts.map((a) => a.ms)),
      slowestDuringOutageMs: Math.max(0, ...during.map((a) => a.ms)),
      readyz: ready.filter((r, i) => i === 0 || r.status !== ready[i - 1].status),
      stoppedAt,
      restartedAt,
    };
    console.log(`postgres-outage drill: ${JSON.stringify(summary)}`);

    // /readyz: ready before, 503 during the outage, ready again after.
    expect(ready.filter((r) => r.at < stoppedAt).every((r) => r.status === 200)).toBe(true);
    expect(ready.some((r) => r.at > stoppedAt && r.at < restartedAt && r.status === 503)).toBe(
      true,
    );
    expect(ready.at(-1)?.status).toBe(200);
    // Every submission was answered in bounded time: accepted, or refused as BACKEND_UNAVAILABLE
    // (HTTP 503 when the key could not be checked, 200 with the error when the mutation ran).
    expect(attempts.filter((a) => a.ms > ANSWER_WITHIN_MS)).toEqual([]);
    expect(refused.filter((a) => a.code !== 'BACKEND_UNAVAILABLE')).toEqual([]);
    expect(refused.filter((a) => a.status !== 503 && a.status !== 200)).toEqual([]);
    expect(accepted.length).toBeGreaterThan(10);
    // Submissions work again once Postgres is back.
    expect(attempts.filter((a) => a.startedAt > restartedAt + 3000).every((a) => a.id)).toBe(true);

    // Every accepted job ran and every one of its events is stored, once.
    await Promise.all(accepted.map((id) => waitForStatus(stack, id, ['SUCCEEDED'], 60_000)));
    await waitForStoreToCatchUp(stack, prefix);
    const stream = (await streamEvents(stack.redis, prefix)).filter((e) =>
      accepted.includes(e.jobId),
    );
    const stored = (await storedEvents(stack)).filter((e) => accepted.includes(e.jobId));
    expect(stored.map((e) => e.id)).toEqual(stream.map((e) => e.id));
    expect(stream.length).toBe(accepted.length * 13);
    expect(semanticDuplicates(stored)).toEqual([]);
    // No job row without its events, no events of a refused job.
    const refusedIds = new Set(
      (await streamEvents(stack.redis, prefix))
        .map((e) => e.jobId)
        .filter((id) => !accepted.includes(id)),
    );
    expect([...refusedIds]).toEqual([]);

    // The watcher saw every event once, in order, across the outage.
    const all = (await streamEvents(stack.redis, prefix)).map((e) => e.id);
    await stack.waitFor(
      async () => watcher.ids.length >= all.length,
      20_000,
      'the watcher to catch up',
    );
    await watcher.stop();
    expect(duplicates(watcher.ids)).toEqual([]);
    expect(watcher.ids).toEqual(all);
    expect(inBusOrder(watcher.ids)).toBe(true);

    // The worker kept its presence through the outage (heartbeats go to Redis) and is ACTIVE,
    // with a heartbeat from after Postgres came back.
    const w = await stack.gql<{
      workers: { pid: number; status: string; lastHeartbeatAt: string }[];
    }>('{ workers { pid status lastHeartbeatAt } }');
    const workers = w.data?.workers ?? [];
    console.log(`postgres-outage: workers after the outage: ${JSON.stringify(workers)}`);
    expect(workers.length).toBeGreaterThan(0);
    for (const x of workers) {
      expect(x.status).toBe('ACTIVE');
      expect(Date.parse(x.lastHeartbeatAt)).toBeGreaterThan(t0 + restartedAt);
    }
  }, 180_000);
});
