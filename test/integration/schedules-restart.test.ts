import { Queue } from 'bullmq';
import pino from 'pino';
import { startApp } from '../../src/compose/app';
import type { App } from '../../src/compose/app';
import { temporalParts } from '../../src/compose/temporal-parts';
import { codeTick, sleepy } from '../fixtures/schedule-jobs';
import { sleep, upsertSchedule } from '../helpers/schedules';
import { startStack } from '../helpers/stack';
import { startTemporalStack } from '../helpers/temporal-stack';

const log = pino({ level: process.env.TEST_LOG_LEVEL ?? 'warn' });

interface StoredRun {
  id: string;
  created_at: Date;
  status: string;
  queued: string;
}

const storedRuns = async (app: App, scheduleId: string): Promise<StoredRun[]> =>
  app.ds.query(
    `SELECT j.id, j.created_at, j.status,
       (SELECT count(*) FROM job_events e WHERE e.job_id = j.id AND e.type = 'QUEUED') AS queued
     FROM jobs j WHERE j.schedule_id = $1 ORDER BY j.created_at`,
    [scheduleId],
  );

describe('a schedule declared in code', () => {
  it('is upserted once, however many workers register it, and each run is one job', async () => {
    const stack = await startStack({ jobs: [codeTick] });
    const extra: App[] = [];
    try {
      const [row] = await stack.app.ds.query(
        `SELECT id, tenant, every_ms, source, updated_at FROM schedules WHERE id = 'code.code-tick'`,
      );
      expect(row).toMatchObject({ tenant: 'default', every_ms: 1000, source: 'code' });
      // Three more workers register the same definition at once.
      extra.push(
        ...(await Promise.all(
          [1, 2, 3].map(() =>
            startApp(stack.config, log, {
              gateway: false,
              aggregator: false,
              migrate: false,
              jobs: [codeTick],
            }),
          ),
        )),
      );
      const rows = await stack.app.ds.query(
        `SELECT updated_at FROM schedules WHERE id = 'code.code-tick'`,
      );
      expect(rows).toHaveLength(1);
      // Not written again: the spec did not change.
      expect(rows[0].updated_at.getTime()).toBe(row.updated_at.getTime());
      const q = new Queue('default', {
        connection: stack.redis,
        prefix: `${stack.config.JOBGATE_PREFIX}:bull`,
      });
      expect((await q.getJobSchedulers()).map((s) => s.key)).toEqual(['code.code-tick']);
      await q.close();
      await sleep(4500);
      const runs = await storedRuns(stack.app, 'code.code-tick');
      expect(runs.length).toBeGreaterThanOrEqual(3);
      const due = runs.map((r) => r.created_at.getTime());
      expect(new Set(due).size).toBe(due.length);
      for (const r of runs) expect(Number(r.queued)).toBeLessThanOrEqual(1);
      const queued = await stack.waitFor(async () => {
        const now = await storedRuns(stack.app, 'code.code-tick');
        return now.slice(0, runs.length).every((r) => Number(r.queued) === 1) ? now : null;
      });
      expect(queued.length).toBeGreaterThanOrEqual(runs.length);
    } finally {
      for (const a of extra) await a.close();
      await stack.close();
    }
  }, 90_000);
});

describe('restarting the gateway and the worker while schedules run', () => {
  it('misses and doubles no run on either lane', async () => {
    const stack = await startTemporalStack({ jobs: [sleepy] });
    let app2: App | null = null;
    try {
      for (const backend of ['BULLMQ', 'TEMPORAL'])
        await upsertSchedule(stack, {
          id: `restart-${backend.toLowerCase()}`,
          type: 'sched.sleepy',
          input: { ms: 20 },
          backend,
          everyMs: 2000,
          overlap: 'ALLOW_ALL',
        });
      await sleep(5000);
      const t0 = Date.now();
      await stack.app.close();
      app2 = await startApp(stack.config, log, {
        jobs: [sleepy],
        aggregatorOptions: { claimIdleMs: 2000, blockMs: 200 },
        ...temporalParts(stack.config, log, { lane: true, worker: true }),
      });
      console.log(`gateway, aggregator and worker restarted in ${Date.now() - t0} ms`);
      await sleep(7000);
      const a = app2;
      for (const backend of ['BULLMQ', 'TEMPORAL']) {
        const id = `restart-${backend.toLowerCase()}`;
        const runs = await stack.waitFor(
          async () => {
            const r = await storedRuns(a, id);
            return r.length >= 5 &&
              r.every((x) => x.status === 'SUCCEEDED' && Number(x.queued) === 1)
              ? r
              : null;
          },
          20_000,
          `finished runs of ${id}`,
        );
        const due = runs.map((r) => r.created_at.getTime());
        const gaps = due.slice(1).map((d, i) => d - due[i]);
        console.log(
          `${backend}: ${runs.length} runs across the restart, gaps between due times ${JSON.stringify(gaps)}`,
        );
        expect(gaps.every((g) => g === 2000)).toBe(true);
      }
    } finally {
      await app2?.close();
      await stack.close();
    }
  }, 120_000);
});
