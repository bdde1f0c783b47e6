import type { ChildProcess } from 'node:child_process';
import { waitForStatus } from '../helpers/ops';
import { exited, startStack } from '../helpers/stack';
import type { Stack } from '../helpers/stack';
import { freePort } from '../helpers/temporal-server';
import {
  ResumingWatcher,
  duplicates,
  inBusOrder,
  sleep,
  stopWatchers,
  streamEvents,
  drill,
} from '../helpers/faults';
import type { JobEvent } from '../../src/model/job-event';

const SUBMIT_MANY = 'mutation($i: [SubmitJobInput!]!) { submitJobs(inputs: $i) { id } }';

/**
 * Drill 5: the gateway process that clients watch through is stopped and
 * started again, once gracefully (SIGTERM) and once with SIGKILL, while jobs
 * keep running. Each client resumes with `after` = the last id it received.
 */
drill('the gateway restarted while clients watch', () => {
  let stack: Stack;
  beforeAll(async () => {
    // The in-process app submits, stores and runs jobs; clients watch through the gateway process.
    stack = await startStack({ env: { RATE_LIMIT_PER_SECOND: '0' } });
  });
  afterAll(async () => {
    await stopWatchers();
    await stack.close();
  });

  it('lets every client resume with after and receive every event exactly once', async () => {
    const prefix = stack.env.JOBGATE_PREFIX as string;
    const acme = await stack.createKey('acme', 'VIEWER');
    const acmeOperator = await stack.createKey('acme', 'OPERATOR');
    const globex = await stack.createKey('globex', 'OPERATOR');
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const startGateway = async (): Promise<ChildProcess> => {
      const child = stack.spawn(['gateway'], { PORT: String(port) });
      await stack.waitFor(
        async () => (await fetch(`${base}/readyz`).catch(() => null))?.ok,
        30_000,
        'the gateway process to be ready',
      );
      return child;
    };
    let gateway = await startGateway();

    const url = `${base.replace(/^http/, 'ws')}/graphql`;
    const cursor =
      (await stack.redis.xrevrange(`${prefix}:events`, '+', '-', 'COUNT', 1))[0]?.[0] ?? '0-0';
    const filters: { key: string; tenant: string; filter?: Record<string, unknown> }[] = [
      { key: acme, tenant: 'acme' },
      { key: acme, tenant: 'acme', filter: { types: ['COMPLETED'] } },
      { key: acme, tenant: 'acme', filter: { types: ['PROGRESS'], queue: 'default' } },
      { key: globex, tenant: 'globex' },
      { key: stack.adminKey, tenant: '*' },
    ];
    const watchers = filters.map((f) =>
      new ResumingWatcher({
        url,
        key: f.key,
        filter: f.filter,
        after: cursor,
        retryMs: 250,
      }).start(),
    );
    await Promise.all(watchers.map((w) => w.started));

    const accepted: string[] = [];
    let producing = true;
    const producer = (async () => {
      for (let i = 0; producing; i++) {
        const key = i % 3 === 0 ? globex : acmeOperator;
        const r = await stack.gql<{ submitJobs: { id: string }[] }>(
          SUBMIT_MANY,
          { i: Array.from({ length: 5 }, () => ({ type: 'sleep', input: { ms: 200 } })) },
          key,
        );
        if (!r.data) throw new Error(JSON.stringify(r.errors));
        accepted.push(...r.data.submitJobs.map((j) => j.id));
        await sleep(100);
      }
    })();

    try {
      await sleep(1500);
      gateway.kill('SIGTERM');
      await exited(gateway);
      await sleep(1000);
      gateway = await startGateway();
      await sleep(1500);
      gateway.kill('SIGKILL');
      await exited(gateway);
      await sleep(1000);
      gateway = await startGateway();
      await sleep(1500);
    } finally {
      producing = false;
      await producer;
    }
    await Promise.all(accepted.map((id) => waitForStatus(stack, id, ['SUCCEEDED'], 30_000)));

    const stream = await streamEvents(stack.redis, prefix, `(${cursor}`);
    const matches = (f: (typeof filters)[number], e: JobEvent): boolean =>
      (f.tenant === '*' || e.tenant === f.tenant) &&
      (!f.filter?.types || (f.filter.types as string[]).includes(e.type)) &&
      (!f.filter?.queue || e.queue === f.filter.queue);
    for (const [i, f] of filters.entries()) {
      const expected = stream.filter((e) => matches(f, e)).map((e) => e.id);
      const w = watchers[i];
      await stack.waitFor(
        async () => w.ids.length >= expected.length,
        20_000,
        `watcher ${i} to catch up`,
      );
      expect(w.errors).toEqual([]);
      expect(duplicates(w.ids)).toEqual([]);
      expect(w.ids).toEqual(expected);
      expect(inBusOrder(w.ids)).toBe(true);
      // It really had to resume, at least once per restart.
      expect(w.resumes).toBeGreaterThanOrEqual(2);
    }
    console.log(
      `gateway-restart drill: ${accepted.length} jobs, ${stream.length} events; resumes per watcher ${JSON.stringify(watchers.map((w) => w.resumes))}; received ${JSON.stringify(watchers.map((w) => w.ids.length))}`,
    );
    await stopWatchers();
    gateway.kill('SIGTERM');
    await exited(gateway);
  }, 120_000);
});
