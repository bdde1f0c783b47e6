import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { busKeys } from '../../src/bus/bus-keys';
import { BusEmitter } from '../../src/bus/event-emitter';
import { Backend, JobEventType } from '../../src/model/enums';
import { waitForStatus } from '../helpers/ops';
import { REDIS_URL, exited, startStack } from '../helpers/stack';
import type { Stack } from '../helpers/stack';
import {
  ResumingWatcher,
  duplicates,
  inBusOrder,
  killRedisClients,
  redisConnectionsOf,
  semanticDuplicates,
  sleep,
  stopWatchers,
  storeAgainstStream,
  storedEvents,
  streamEvents,
  waitForStoreToCatchUp,
  drill,
} from '../helpers/faults';

const SUBMIT_MANY = 'mutation($i: [SubmitJobInput!]!) { submitJobs(inputs: $i) { id } }';
const SUB =
  'subscription($after: ID, $f: JobEventFilter) { jobEvents(after: $after, filter: $f) { id jobId type } }';

/**
 * Drill 4: the Redis connections of this stack (this process and its worker
 * process; no other client of the shared Redis) are killed, pub/sub ones
 * first, then the normal ones, three times while jobs run and clients watch.
 */
drill('Redis connections killed (CLIENT KILL TYPE pubsub, then TYPE normal)', () => {
  let stack: Stack;
  beforeAll(async () => {
    // Jobs run in a worker process, so its connections are killed too.
    stack = await startStack({ bullmqWorker: false, env: { RATE_LIMIT_PER_SECOND: '0' } });
  });
  afterAll(async () => {
    await stopWatchers();
    await stack.close();
  });

  it('reconnects everything, refills the gap from the stream, and subscribers miss nothing', async () => {
    const prefix = stack.env.JOBGATE_PREFIX as string;
    const key = await stack.createKey('acme', 'OPERATOR');
    const worker = stack.spawn(['worker', '--queues=default']);
    const pids = [process.pid, worker.pid as number];
    await stack.waitFor(
      async () => (await redisConnectionsOf([worker.pid as number])) >= 3,
      30_000,
      'the worker to connect',
    );

    // A plain live subscription (it must not need to resume: its WebSocket never breaks) and a resuming watcher.
    const live = stack.subscribe<{ jobEvents: { id: string; jobId: string } }>(
      SUB,
      { after: '0-0' },
      key,
    );
    const completions = new ResumingWatcher({
      url: stack.url.replace(/^http/, 'ws'),
      key,
      filter: { types: ['COMPLETED'] },
      after: '0-0',
    }).start();
    await completions.started;
    await sleep(300);

    const accepted: string[] = [];
    const refused: string[] = [];
    let producing = true;
    const producer = (async () => {
      while (producing) {
        // Many progress events: kills land while emits are in flight, which is what can duplicate them.
        const inputs = Array.from({ length: 20 }, (_, i) =>
          i % 4 ? { type: 'sleep', input: { ms: 100 } } : { type: 'echo', input: i },
        );
        const r = await stack
          .gql<{ submitJobs: { id: string }[] }>(SUBMIT_MANY, { i: inputs }, key)
          .catch((err: Error) => ({
            data: null,
            errors: [{ message: err.message, extensions: { code: 'NO_ANSWER' } }],
            status: 0,
          }));
        if (r.data?.submitJobs) accepted.push(...r.data.submitJobs.map((j) => j.id));
        else
          refused.push(`${r.status} ${r.errors?.[0]?.extensions?.code}: ${r.errors?.[0]?.message}`);
        await sleep(150);
      }
    })();

    const killed: string[][] = [];
    try {
      for (let round = 0; round < 6; round++) {
        await sleep(700);
        killed.push(await killRedisClients(stack.redis, pids, 'pubsub'));
        await sleep(500);
        killed.push(await killRedisClients(stack.redis, pids, 'normal'));
      }
      await sleep(1500);
    } finally {
      producing = false;
      await producer;
    }
    console.log(
      `redis-kill drill: killed ${JSON.stringify(killed)} connections; ${accepted.length} jobs accepted, ${refused.length} batches refused ${JSON.stringify([...new Set(refused)])}`,
    );
    // The hub and the worker's cancel channel each time, and the stack's normal connections.
    expect(
      killed.filter((_, i) => i % 2 === 0).every((k) => k.some((n) => n === `${prefix}-hub`)),
    ).toBe(true);
    expect(killed.filter((_, i) => i % 2 === 1).every((k) => k.length >= 3)).toBe(true);
    // A refused batch says so with a code a client can act on.
    expect(refused.filter((r) => !/^(503|200) BACKEND_UNAVAILABLE/.test(r))).toEqual([]);
    expect(accepted.length).toBeGreaterThan(50);

    await Promise.all(accepted.map((id) => waitForStatus(stack, id, ['SUCCEEDED'], 60_000)));
    await waitForStoreToCatchUp(stack, prefix);
    const cmp = await storeAgainstStream(stack, prefix);
    expect(cmp.missing).toEqual([]);
    expect(cmp.extra).toEqual([]);
    const stored = await storedEvents(stack);
    expect(semanticDuplicates(stored)).toEqual([]);
    // Each accepted job: one QUEUED, one STARTED, one COMPLETED (plus progress for sleep).
    const stream = await streamEvents(stack.redis, prefix);
    for (const id of accepted) {
      const types = stream.filter((e) => e.jobId === id).map((e) => e.type);
      expect({
        id,
        finals: types.filter((t) => t === 'COMPLETED').length,
        queued: types.filter((t) => t === 'QUEUED').length,
      }).toEqual({ id, finals: 1, queued: 1 });
    }

    // The live subscriber, never reconnected, received every event once and in order.
    const all = stream.filter((e) => e.tenant === 'acme').map((e) => e.id);
    await stack.waitFor(
      async () => live.items.length >= all.length,
      20_000,
      'the live subscriber to receive every event',
    );
    const pushed = live.items.map((i) => i.jobEvents.id);
    expect(live.errors).toEqual([]);
    expect(duplicates(pushed)).toEqual([]);
    expect(pushed).toEqual(all);
    expect(inBusOrder(pushed)).toBe(true);
    const done = stream
      .filter((e) => e.tenant === 'acme' && e.type === 'COMPLETED')
      .map((e) => e.id);
    await stack.waitFor(
      async () => completions.ids.length >= done.length,
      20_000,
      'the COMPLETED watcher',
    );
    expect(completions.ids).toEqual(done);
    expect(completions.resumes).toBe(0);
    // The worker came through every kill still registered: it heartbeats again, ACTIVE.
    const killsEnded = Date.now();
    const beating = await stack.waitFor(
      async () =>
        (await stack.app.presence.list(stack.app.registry)).find(
          (w) =>
            w.pid === worker.pid &&
            w.status === 'ACTIVE' &&
            w.lastHeartbeatAt.getTime() > killsEnded,
        ),
      15_000,
      'a heartbeat of the worker after the kills',
    );
    expect(beating.jobTypes).toContain('echo');
    live.dispose();
    worker.kill('SIGTERM');
    await exited(worker);
  }, 120_000);

  it('appends an emit once when its reply is lost and the client sends it again', async () => {
    // A network fault cannot be had on demand from a real Redis: a proxy in front of it drops the
    // reply of the first command and cuts the connection, as a kill between execution and reply does.
    const target = new URL(REDIS_URL);
    let armed = false;
    let cut = false;
    const sockets: Socket[] = [];
    const proxy = createServer((client) => {
      const upstream = new Socket();
      upstream.connect(Number(target.port || 6379), target.hostname);
      sockets.push(client, upstream);
      client.on('data', (d: Buffer) => upstream.write(d));
      upstream.on('data', (d: Buffer) => {
        if (!armed || cut) return void client.write(d);
        cut = true;
        client.destroy();
        upstream.destroy();
      });
      client.on('error', () => undefined);
      upstream.on('error', () => undefined);
      client.on('close', () => upstream.destroy());
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', () => r()));
    const port = (proxy.address() as AddressInfo).port;
    const prefix = `tdup${randomBytes(4).toString('hex')}`;
    const keys = busKeys(prefix);
    const redis = new Redis(`redis://127.0.0.1:${port}`, {
      maxRetriesPerRequest: 5,
      connectionName: 'jobgate-probe',
    });
    try {
      const emitter = new BusEmitter(redis, keys, 1000);
      const event = (jobId: string): Parameters<BusEmitter['emit']>[0][number] => ({
        tenant: 'acme',
        source: Backend.BULLMQ,
        type: JobEventType.QUEUED,
        jobId,
        jobType: 'echo',
        queue: 'default',
      });
      // A first emit loads the script into Redis, so the one below runs at its first send.
      const [warm] = await emitter.emit([event('warm-up')]);
      armed = true;
      const [e] = await emitter.emit([event(randomBytes(8).toString('hex'))]);
      expect(cut).toBe(true);
      const entries = await stack.redis.xrange(keys.stream, '-', '+');
      expect(entries.map(([id]) => id)).toEqual([warm.id, e.id]);
    } finally {
      redis.disconnect();
      for (const sck of sockets) sck.destroy();
      await new Promise((r) => proxy.close(r));
      await stack.redis.del(keys.stream);
    }
  });
});
