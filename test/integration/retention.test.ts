import { Redis } from 'ioredis';
import pino from 'pino';
import { busKeys } from '../../src/bus/bus-keys';
import { BusEmitter } from '../../src/bus/event-emitter';
import { BullmqLane } from '../../src/lanes/bullmq/bullmq-lane';
import { RetentionSweep } from '../../src/projection/retention-sweep';
import type { RetentionPolicy } from '../../src/projection/retention-sweep';
import { RetentionStore } from '../../src/store/retention-store';
import { REDIS_URL, startStack } from '../helpers/stack';
import type { Stack } from '../helpers/stack';
import { submit, waitForStatus } from '../helpers/ops';

let stack: Stack;
let redis: Redis;
let lane: BullmqLane;
const DAY = 24 * 3_600_000;
const log = pino({ level: 'silent' });

beforeAll(async () => {
  stack = await startStack();
  const prefix = stack.config.JOBGATE_PREFIX;
  redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const keys = busKeys(prefix);
  lane = new BullmqLane(
    redis,
    prefix,
    keys,
    new BusEmitter(redis, keys, 10_000),
    stack.app.registry,
  );
}, 60_000);
afterAll(async () => {
  await lane?.close();
  redis?.disconnect();
  await stack?.close();
});

const sweep = (policy: Partial<RetentionPolicy> = {}): RetentionSweep =>
  new RetentionSweep(
    new RetentionStore(stack.app.ds),
    lane,
    stack.app.registry,
    { days: 30, failedDays: 90, auditDays: 365, batch: 100, pauseMs: 0, ...policy },
    log,
    (what, n) => stack.app.metrics.retentionDeleted(what, n),
  );

/** `n` jobs of one kind, each with `events` events, finished (or created) `ageDays` ago. */
let seeds = 0;
async function seed(
  tag: string,
  status: string,
  ageDays: number,
  n: number,
  events = 2,
): Promise<void> {
  // Each seed has its own range of stream seq numbers, so no two events share an id.
  const seqBase = ++seeds * 100;
  const finished = ['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(status);
  await stack.app.ds.query(
    `INSERT INTO jobs (id, tenant, type, backend, routing_reason, queue, status, priority, max_attempts, created_at, finished_at)
     SELECT $1 || '-' || i, 'default', 'echo', 'BULLMQ', 'seed', 'default', $2, 'NORMAL', 1,
            now() - make_interval(days => $3) - interval '1 hour',
            CASE WHEN $4 THEN now() - make_interval(days => $3) ELSE NULL END
     FROM generate_series(1, $5) AS i`,
    [tag, status, ageDays, finished, n],
  );
  await stack.app.ds.query(
    `INSERT INTO job_events (ms, seq, tenant, job_id, type, source, job_type, queue, ts)
     SELECT (extract(epoch FROM now()) * 1000)::bigint - $3::bigint * 86400000 + i, $5::int + e, 'default', $1 || '-' || i,
            'LOG', 'BULLMQ', 'echo', 'default', now()
     FROM generate_series(1, $2) AS i, generate_series(1, $4) AS e`,
    [tag, n, ageDays, events, seqBase],
  );
}

const count = async (sql: string, params: unknown[] = []): Promise<number> =>
  Number((await stack.app.ds.query(sql, params))[0].n);
const jobsLike = (tag: string): Promise<number> =>
  count(`SELECT count(*) AS n FROM jobs WHERE id LIKE $1`, [`${tag}-%`]);
const eventsLike = (tag: string): Promise<number> =>
  count(`SELECT count(*) AS n FROM job_events WHERE job_id LIKE $1`, [`${tag}-%`]);

describe('retention sweep', () => {
  it('deletes exactly what is past its retention, with events, in batches', async () => {
    await seed('ok-old', 'SUCCEEDED', 31, 250);
    await seed('ok-new', 'SUCCEEDED', 29, 40);
    await seed('failed-mid', 'FAILED', 31, 30);
    await seed('failed-old', 'FAILED', 91, 120);
    await seed('cancelled-old', 'CANCELLED', 91, 15);
    await seed('running-old', 'RUNNING', 400, 10);
    await seed('queued-old', 'QUEUED', 400, 10);
    await stack.app.ds.query(
      `INSERT INTO audit_log (at, tenant, role, operation, outcome)
       SELECT now() - make_interval(days => d), 'default', 'ADMIN', 'seed', 'ok'
       FROM (SELECT 366 AS d FROM generate_series(1, 130) UNION ALL SELECT 364 FROM generate_series(1, 7)) s`,
    );
    const report = await sweep().run();
    expect(report).toEqual({
      jobs: 250 + 120 + 15,
      events: 2 * (250 + 120 + 15),
      audit: 130,
      bullmqFailed: 0,
    });
    for (const gone of ['ok-old', 'failed-old', 'cancelled-old']) {
      expect(await jobsLike(gone)).toBe(0);
      expect(await eventsLike(gone)).toBe(0);
    }
    expect(await jobsLike('ok-new')).toBe(40);
    expect(await eventsLike('ok-new')).toBe(80);
    expect(await jobsLike('failed-mid')).toBe(30);
    expect(await jobsLike('running-old')).toBe(10);
    expect(await jobsLike('queued-old')).toBe(10);
    expect(await count(`SELECT count(*) AS n FROM audit_log WHERE operation = 'seed'`)).toBe(7);
    const metrics = await (await fetch(stack.url.replace('/graphql', '/metrics'))).text();
    expect(metrics).toContain('jobgate_retention_deleted_total{what="jobs"} 385');
    expect(metrics).toContain('jobgate_retention_deleted_total{what="audit"} 130');
    // A second sweep finds nothing.
    expect(await sweep().run()).toEqual({ jobs: 0, events: 0, audit: 0, bullmqFailed: 0 });
  });

  it('keeps everything of a kind whose setting is 0', async () => {
    await seed('keep-ok', 'SUCCEEDED', 1000, 5);
    await seed('keep-failed', 'FAILED', 1000, 5);
    const report = await sweep({ days: 0, failedDays: 0, auditDays: 0 }).run();
    expect(report).toEqual({ jobs: 0, events: 0, audit: 0, bullmqFailed: 0 });
    expect(await jobsLike('keep-ok')).toBe(5);
    expect(await jobsLike('keep-failed')).toBe(5);
    await sweep({ days: 999 }).run();
    expect(await jobsLike('keep-ok')).toBe(0);
    expect(await jobsLike('keep-failed')).toBe(0);
  });

  it("trims BullMQ's failed set to match the failed jobs' retention", async () => {
    const job = await submit(stack, { type: 'fail', input: {}, maxAttempts: 1, backend: 'BULLMQ' });
    await waitForStatus(stack, job.id, ['FAILED']);
    const q = lane.queue('default');
    expect(await q.getJobCountByTypes('failed')).toBeGreaterThanOrEqual(1);
    expect((await sweep().run()).bullmqFailed).toBe(0);
    expect(await q.getJob(job.id)).toBeDefined();
    // 91 days on, both the row and BullMQ's failed job are past the 90 days.
    const report = await sweep().run(Date.now() + 91 * DAY);
    expect(report.bullmqFailed).toBeGreaterThanOrEqual(1);
    expect(await q.getJob(job.id)).toBeUndefined();
    expect(await jobsLike(job.id)).toBe(0);
    expect(await count(`SELECT count(*) AS n FROM jobs WHERE id = $1`, [job.id])).toBe(0);
  });

  it('runs in small batches under load: new jobs are kept and the API stays fast', async () => {
    await seed('load-old', 'SUCCEEDED', 40, 20_000, 3);
    const running = sweep({ batch: 500, pauseMs: 5 }).run();
    const latencies: number[] = [];
    const submitted: string[] = [];
    let done = false;
    void running.finally(() => {
      done = true;
    });
    while (!done) {
      const t = Date.now();
      const j = await submit(stack, {
        type: 'echo',
        input: { n: submitted.length },
        backend: 'BULLMQ',
      });
      const r = await stack.gql('{ jobs(first: 20) { edges { node { id status } } } }');
      expect(r.errors).toBeUndefined();
      latencies.push(Date.now() - t);
      submitted.push(j.id);
    }
    const report = await running;
    expect(report.jobs).toBe(20_000);
    expect(report.events).toBe(60_000);
    expect(await jobsLike('load-old')).toBe(0);
    await Promise.all(submitted.map((id) => waitForStatus(stack, id, ['SUCCEEDED'])));
    latencies.sort((a, b) => a - b);
    const p95 = latencies[Math.floor(latencies.length * 0.95)] ?? 0;
    console.log(
      `retention under load: ${report.jobs} jobs and ${report.events} events deleted while ${submitted.length} submit+list rounds ran; round trip p50 ${latencies[Math.floor(latencies.length / 2)]} ms, p95 ${p95} ms, max ${latencies.at(-1)} ms`,
    );
    expect(submitted.length).toBeGreaterThan(0);
    expect(p95).toBeLessThan(1000);
  });
});
