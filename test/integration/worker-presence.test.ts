import { randomUUID } from 'node:crypto';
import { Backend } from '../../src/model/enums';
import type { WorkerHeartbeat } from '../../src/model/worker-info';
import { Redis } from 'ioredis';
import pino from 'pino';
import { startHeartbeat, WorkerPresence } from '../../src/registry/worker-presence';
import type { VersionedRegistration } from '../../src/store/job-type-store';
import { REDIS_URL, startStack } from '../helpers/stack';
import type { Stack } from '../helpers/stack';

const LOST_AFTER_MS = 1500;
let stack: Stack;

beforeAll(async () => {
  stack = await startStack({
    bullmqWorker: false,
    env: { WORKER_LOST_AFTER_MS: String(LOST_AFTER_MS) },
  });
});
afterAll(() => stack.close());

const registration = (name: string, version: string): VersionedRegistration => ({
  name,
  version,
  description: '',
  defaultBackend: Backend.BULLMQ,
  queue: 'presence-test',
  inputSchema: {},
  maxAttempts: 1,
  backoffMs: 100,
  timeoutMs: 1000,
  signals: [],
  signalSchemas: {},
  queries: [],
  workflowOnly: false,
  workflowName: null,
  sensitiveFields: [],
});

const heartbeat = (types: Record<string, string>, over: Partial<WorkerHeartbeat> = {}) => ({
  id: randomUUID(),
  host: 'box-1',
  pid: 4242,
  lanes: [Backend.BULLMQ, Backend.TEMPORAL],
  queues: ['presence-test'],
  types,
  concurrency: 8,
  activeJobs: 3,
  startedAt: new Date(Date.now() - 60_000),
  stopping: false,
  ...over,
});

interface WorkerView {
  id: string;
  host: string;
  pid: number;
  lanes: string[];
  queues: string[];
  jobTypes: string[];
  outdatedJobTypes: string[];
  concurrency: number;
  activeJobs: number;
  startedAt: string;
  lastHeartbeatAt: string;
  status: string;
}

const WORKERS = `{ workers { id host pid lanes queues jobTypes outdatedJobTypes concurrency activeJobs
  startedAt lastHeartbeatAt status } }`;

async function worker(id: string): Promise<WorkerView | undefined> {
  const r = await stack.gql<{ workers: WorkerView[] }>(WORKERS);
  if (!r.data) throw new Error(JSON.stringify(r.errors));
  return r.data.workers.find((w) => w.id === id);
}

async function liveWorkers(type: string): Promise<number | undefined> {
  const r = await stack.gql<{ jobTypes: { name: string; workers: number }[] }>(
    '{ jobTypes { name workers } }',
  );
  return r.data?.jobTypes.find((t) => t.name === type)?.workers;
}

describe('workers', () => {
  it('lists a worker as its heartbeat describes it', async () => {
    const type = `pt-${randomUUID()}`;
    await stack.app.registry.register([registration(type, 'v1')]);
    const h = heartbeat({ [type]: 'v1' });
    const before = Date.now();
    await stack.app.presence.beat(h);
    const w = await worker(h.id);
    expect(w).toEqual({
      id: h.id,
      host: 'box-1',
      pid: 4242,
      lanes: ['BULLMQ', 'TEMPORAL'],
      queues: ['presence-test'],
      jobTypes: [type],
      outdatedJobTypes: [],
      concurrency: 8,
      activeJobs: 3,
      startedAt: h.startedAt.toISOString(),
      lastHeartbeatAt: expect.any(String),
      status: 'ACTIVE',
    });
    expect(Math.abs(Date.parse(w!.lastHeartbeatAt) - before)).toBeLessThan(2000);
  });

  it('shows a worker that stopped beating as LOST after the threshold', async () => {
    const h = heartbeat({});
    await stack.app.presence.beat(h);
    const start = Date.now();
    expect((await worker(h.id))?.status).toBe('ACTIVE');
    await stack.waitFor(async () => (await worker(h.id))?.status === 'LOST', 5000, 'LOST');
    expect(Date.now() - start).toBeGreaterThanOrEqual(LOST_AFTER_MS - 200);
  });

  it('shows STOPPING once the worker says so, and forgets it when removed', async () => {
    const h = heartbeat({});
    await stack.app.presence.beat(h);
    await stack.app.presence.beat({ ...h, stopping: true, activeJobs: 1 });
    expect(await worker(h.id)).toMatchObject({ status: 'STOPPING', activeJobs: 1 });
    await stack.app.presence.remove(h.id);
    expect(await worker(h.id)).toBeUndefined();
  });

  it('lists a type under outdatedJobTypes once another version registers', async () => {
    const [a, b] = [`pt-a-${randomUUID()}`, `pt-b-${randomUUID()}`];
    await stack.app.registry.register([registration(a, 'v1'), registration(b, 'v1')]);
    const h = heartbeat({ [a]: 'v1', [b]: 'v1' });
    await stack.app.presence.beat(h);
    expect(await worker(h.id)).toMatchObject({ jobTypes: [a, b].sort(), outdatedJobTypes: [] });
    await stack.app.registry.register([registration(a, 'v2')]);
    expect(await worker(h.id)).toMatchObject({ jobTypes: [b], outdatedJobTypes: [a] });
  });

  it('is for ADMINs only', async () => {
    for (const role of ['VIEWER', 'OPERATOR'] as const) {
      const r = await stack.gql(WORKERS, {}, await stack.createKey('acme', role));
      expect(r.errors?.[0].extensions?.code).toBe('FORBIDDEN');
      expect(r.errors?.[0].message).toMatch(/listing workers needs the ADMIN role/);
    }
  });
});

describe('JobTypeInfo.workers', () => {
  it('counts the live workers serving a type, whatever their version', async () => {
    const type = `pt-count-${randomUUID()}`;
    await stack.app.registry.register([registration(type, 'v2')]);
    expect(await liveWorkers(type)).toBe(0);
    const beats = [
      heartbeat({ [type]: 'v2' }),
      heartbeat({ [type]: 'v1' }),
      heartbeat({ [type]: 'v2' }, { stopping: true }),
    ];
    await Promise.all(beats.map((h) => stack.app.presence.beat(h)));
    expect(await liveWorkers(type)).toBe(3);
    // Two keep beating; the third falls silent and is LOST.
    const kept = beats.slice(0, 2).map((h) => startHeartbeat(stack.app.presence, () => h, 300));
    try {
      await stack.waitFor(async () => (await liveWorkers(type)) === 2, 5000, 'two live');
    } finally {
      await Promise.all(kept.map((k) => k.stop()));
    }
  });
});

describe('startHeartbeat', () => {
  it('beats on a timer with the latest snapshot, and stops', async () => {
    const h = heartbeat({});
    let active = 0;
    const beat = startHeartbeat(stack.app.presence, () => ({ ...h, activeJobs: active }), 200);
    try {
      await stack.waitFor(async () => (await worker(h.id))?.activeJobs === 0, 2000, 'first beat');
      active = 5;
      await stack.waitFor(async () => (await worker(h.id))?.activeJobs === 5, 2000, 'next beat');
      active = 6;
      await beat.beatNow();
      expect((await worker(h.id))?.activeJobs).toBe(6);
    } finally {
      await beat.stop();
    }
    const last = (await worker(h.id))?.lastHeartbeatAt;
    await new Promise((r) => setTimeout(r, 500));
    expect((await worker(h.id))?.lastHeartbeatAt).toBe(last);
  });

  it('keeps beating after its Redis connection was lost and came back', async () => {
    // The worker's own connection, closed and reopened by the test: Redis "going away" for it.
    const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 0, lazyConnect: true });
    await redis.connect();
    const warnings: string[] = [];
    const log = pino({ level: 'warn' }, { write: (line: string) => warnings.push(line) });
    const presence = new WorkerPresence({ redis, prefix: stack.config.JOBGATE_PREFIX, log });
    const h = heartbeat({});
    const beat = startHeartbeat(presence, () => h, 200);
    try {
      await stack.waitFor(async () => worker(h.id), 2000, 'first beat');
      redis.disconnect();
      await stack.waitFor(async () => warnings.some((w) => /heartbeat failed/.test(w)), 3000);
      const lostAt = (await worker(h.id))?.lastHeartbeatAt;
      await new Promise((r) => setTimeout(r, 400));
      expect((await worker(h.id))?.lastHeartbeatAt).toBe(lostAt);
      await redis.connect();
      await stack.waitFor(
        async () => (await worker(h.id))?.lastHeartbeatAt !== lostAt,
        3000,
        'a beat after the connection came back',
      );
    } finally {
      await beat.stop();
      redis.disconnect();
    }
  });
});
