import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { loadConfig } from '../../src/config';
import { startDevServer } from '../../src/lanes/temporal/dev-server';
import type { DevServer } from '../../src/lanes/temporal/dev-server';
import { temporalParts } from '../../src/compose/temporal-parts';
import { waitForStatus } from '../helpers/ops';
import { startStack } from '../helpers/stack';
import type { Stack } from '../helpers/stack';
import { TEMPORAL_BINARY, freePort } from '../helpers/temporal-server';
import {
  ResumingWatcher,
  duplicates,
  inBusOrder,
  semanticDuplicates,
  sleep,
  stopWatchers,
  storedEvents,
  streamEvents,
  waitForStoreToCatchUp,
  drill,
} from '../helpers/faults';

const SUBMIT = 'mutation($i: SubmitJobInput!) { submitJob(input: $i) { id backend } }';

/**
 * Drill 6: the Temporal dev server, with its SQLite file, is stopped while
 * workflows run and started again on the same port and file. The drill runs
 * its own server so the shared one of the other suites is never touched.
 */
drill('the Temporal server restarted mid-workflow', () => {
  let stack: Stack;
  let server: DevServer | undefined;
  let port: number;
  const dbFile = join(tmpdir(), `jobgate-drill-${randomBytes(4).toString('hex')}.db`);
  const start = async (): Promise<DevServer> =>
    startDevServer({ binary: TEMPORAL_BINARY, port, dbFile, headless: true });

  beforeAll(async () => {
    port = await freePort();
    server = await start();
    const prefix = `tf${randomBytes(4).toString('hex')}`;
    const env = {
      JOBGATE_PREFIX: prefix,
      TEMPORAL_ADDRESS: server.address,
      TEMPORAL_ENABLED: 'true',
    };
    const config = loadConfig({ ...process.env, ...env });
    const log = pino({ level: process.env.TEST_LOG_LEVEL ?? 'warn' });
    stack = await startStack({
      env,
      ...temporalParts(config, log, { lane: true, worker: true, reconciler: true }),
    });
  }, 120_000);
  afterAll(async () => {
    await stopWatchers();
    await stack?.close();
    await server?.stop();
    for (const f of [dbFile, `${dbFile}-wal`, `${dbFile}-shm`]) rmSync(f, { force: true });
  });

  it('lets every workflow finish once after the server returns, each event stored and pushed once', async () => {
    const prefix = stack.env.JOBGATE_PREFIX as string;
    const key = await stack.createKey('acme', 'OPERATOR');
    const watcher = new ResumingWatcher({
      url: stack.url.replace(/^http/, 'ws'),
      key,
      after: '0-0',
    }).start();
    await watcher.started;

    const inputs = [
      ...Array.from({ length: 3 }, () => ({
        type: 'saga',
        input: { steps: ['reserve', 'charge', 'pack', 'ship', 'notify'], stepMs: 1500 },
      })),
      // maxAttempts 1: the job allows no retry of its own failures, and a server restart is not one.
      ...Array.from({ length: 2 }, () => ({
        type: 'sleep',
        backend: 'TEMPORAL',
        maxAttempts: 1,
        input: { ms: 8000 },
      })),
    ];
    const ids: string[] = [];
    for (const i of inputs) {
      const r = await stack.gql<{ submitJob: { id: string; backend: string } }>(SUBMIT, { i }, key);
      if (!r.data) throw new Error(JSON.stringify(r.errors));
      expect(r.data.submitJob.backend).toBe('TEMPORAL');
      ids.push(r.data.submitJob.id);
    }
    // Stop the server once every workflow is under way, before any has finished.
    await stack.waitFor(
      async () => {
        const events = await streamEvents(stack.redis, prefix);
        return ids.every((id) => events.some((e) => e.jobId === id && e.type === 'PROGRESS'));
      },
      30_000,
      'every workflow to make progress',
    );
    const before = await streamEvents(stack.redis, prefix);
    expect(
      ids.filter((id) => before.some((e) => e.jobId === id && e.type === 'COMPLETED')),
    ).toEqual([]);
    await server!.stop();
    const downAt = Date.now();
    server = undefined;
    await sleep(8000);
    server = await start();
    const upAfterMs = Date.now() - downAt;

    const done = await Promise.all(
      ids.map((id) => waitForStatus(stack, id, ['SUCCEEDED', 'FAILED', 'CANCELLED'], 120_000)),
    );
    await waitForStoreToCatchUp(stack, prefix);
    for (const job of done) {
      const types = job.events.map((e) => e.type);
      // The error and the event types are in the comparison so a failure says what happened.
      expect({ status: job.status, error: job.error, types }).toMatchObject({
        status: 'SUCCEEDED',
        error: null,
      });
      expect(types.filter((t) => t === 'STARTED')).toHaveLength(1);
      expect(types.filter((t) => ['COMPLETED', 'FAILED', 'CANCELLED'].includes(t))).toEqual([
        'COMPLETED',
      ]);
      expect(types.at(-1)).toBe('COMPLETED');
      expect(job.progress).toBe(100);
    }
    // Sagas: one PROGRESS per step, none repeated by a replay.
    for (const job of done.slice(0, 3)) {
      expect(job.events.filter((e) => e.type === 'PROGRESS').map((e) => e.progress)).toEqual([
        20, 40, 60, 80, 100,
      ]);
    }
    const stream = (await streamEvents(stack.redis, prefix)).filter((e) => ids.includes(e.jobId));
    const stored = (await storedEvents(stack)).filter((e) => ids.includes(e.jobId));
    expect(stored.map((e) => e.id)).toEqual(stream.map((e) => e.id));
    expect(semanticDuplicates(stored)).toEqual([]);

    await stack.waitFor(
      async () => watcher.ids.length >= stream.length,
      20_000,
      'the watcher to catch up',
    );
    expect(duplicates(watcher.ids)).toEqual([]);
    expect(watcher.ids).toEqual(stream.map((e) => e.id));
    expect(inBusOrder(watcher.ids)).toBe(true);
    const retried = stored.filter(
      (e) => e.type === 'ACTIVITY_STARTED' && (e.attempt ?? 1) > 1,
    ).length;
    console.log(
      `temporal-restart drill: ${ids.length} workflows finished after a ${upAfterMs} ms outage; ${stream.length} events; ${retried} activity attempts retried`,
    );
  }, 240_000);
});
