import { execFileSync } from 'node:child_process';
import { submit, waitForStatus } from '../helpers/ops';
import { exited, startStack } from '../helpers/stack';
import type { Stack } from '../helpers/stack';

describe('Job.events through a DataLoader', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack.close());

  it('issues a constant number of SQL statements for jobs(first: 100) { events }', async () => {
    const inputs = Array.from({ length: 120 }, (_, i) => ({ type: 'echo', input: i }));
    const r = await stack.gql<{ submitJobs: { id: string }[] }>(
      'mutation($i: [SubmitJobInput!]!) { submitJobs(inputs: $i) { id } }',
      { i: inputs },
    );
    const ids = r.data!.submitJobs.map((j) => j.id);
    await stack.waitFor(
      async () =>
        Number(
          (
            await stack.app.ds.query(
              `SELECT count(*) AS n FROM jobs WHERE id = ANY($1) AND status = 'SUCCEEDED'`,
              [ids],
            )
          )[0].n,
        ) === 120,
    );
    const count = async (first: number): Promise<number> => {
      const before = stack.app.queries.count;
      const page = await stack.gql<{ jobs: { edges: { node: { events: unknown[] } }[] } }>(
        `{ jobs(first: ${first}) { edges { node { id events { id type } } } } }`,
      );
      expect(page.data!.jobs.edges).toHaveLength(first);
      expect(page.data!.jobs.edges.every((e) => e.node.events.length === 3)).toBe(true);
      return stack.app.queries.count - before;
    };
    const for10 = await count(10);
    const for100 = await count(100);
    expect(for100).toBe(for10);
    expect(for100).toBeLessThanOrEqual(3);
  });

  it('pages with keyset cursors: no overlap, no gap, and a bad cursor is BAD_USER_INPUT', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const r: {
        data?: {
          jobs: {
            edges: { node: { id: string } }[];
            pageInfo: { hasNextPage: boolean; endCursor: string };
          };
        } | null;
      } = await stack.gql(
        'query($a: String) { jobs(first: 25, after: $a) { edges { node { id } } pageInfo { hasNextPage endCursor } } }',
        { a: after },
      );
      seen.push(...r.data!.jobs.edges.map((e) => e.node.id));
      if (!r.data!.jobs.pageInfo.hasNextPage) break;
      after = r.data!.jobs.pageInfo.endCursor;
    }
    const total = Number((await stack.app.ds.query('SELECT count(*) AS n FROM jobs'))[0].n);
    expect(seen).toHaveLength(total);
    expect(new Set(seen).size).toBe(total);
    const bad = await stack.gql('{ jobs(after: "garbage") { totalCount } }');
    expect(bad.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('filters by status, type and backend', async () => {
    const failed = await submit(stack, { type: 'fail', maxAttempts: 1 });
    await waitForStatus(stack, failed.id, ['FAILED']);
    const r = await stack.gql<{ jobs: { totalCount: number; edges: { node: { id: string } }[] } }>(
      '{ jobs(filter: { statuses: [FAILED], types: ["fail"], backends: [BULLMQ] }) { totalCount edges { node { id } } } }',
    );
    expect(r.data!.jobs.totalCount).toBe(1);
    expect(r.data!.jobs.edges[0].node.id).toBe(failed.id);
  });
});

describe('the aggregator', () => {
  let stack: Stack;
  beforeAll(async () => {
    // The aggregator runs only in the child processes this test starts and kills.
    stack = await startStack({ aggregator: false });
  });
  afterAll(() => stack.close());

  it('stores every event exactly once after a kill -9 mid-stream and a restart', async () => {
    const env = { AGGREGATOR_BATCH: '20' };
    let agg = stack.spawn(['aggregator'], env);
    const inputs = Array.from({ length: 200 }, (_, i) => ({
      type: 'sleep',
      input: { ms: 20 + (i % 5) * 10 },
    }));
    const r = await stack.gql<{ submitJobs: { id: string }[] }>(
      'mutation($i: [SubmitJobInput!]!) { submitJobs(inputs: $i) { id } }',
      { i: inputs },
    );
    const ids = r.data!.submitJobs.map((j) => j.id);
    // Kill it while events are still arriving and batches are in flight.
    await stack.waitFor(
      async () =>
        Number((await stack.app.ds.query('SELECT count(*) AS n FROM job_events'))[0].n) > 200,
      20_000,
      'some events stored',
    );
    agg.kill('SIGKILL');
    await exited(agg);
    agg = stack.spawn(['aggregator'], env);
    const streamLen = async (): Promise<number> =>
      stack.redis.xlen(`${stack.env.JOBGATE_PREFIX}:events`);
    await stack.waitFor(
      async () =>
        Number(
          (
            await stack.app.ds.query(
              `SELECT count(*) AS n FROM jobs WHERE id = ANY($1) AND status = 'SUCCEEDED'`,
              [ids],
            )
          )[0].n,
        ) === 200,
      40_000,
      'all 200 jobs SUCCEEDED in the store',
    );
    await stack.waitFor(
      async () =>
        Number((await stack.app.ds.query('SELECT count(*) AS n FROM job_events'))[0].n) ===
        (await streamLen()),
      20_000,
      'every stream entry stored',
    );
    // Each job: QUEUED, STARTED, 10 PROGRESS, COMPLETED; exactly once each.
    const perJob: { n: string }[] = await stack.app.ds.query(
      `SELECT count(*) AS n FROM job_events WHERE job_id = ANY($1) GROUP BY job_id`,
      [ids],
    );
    expect(perJob).toHaveLength(200);
    expect(perJob.every((p) => Number(p.n) === 13)).toBe(true);
    const dupes = await stack.app.ds.query(
      `SELECT job_id, type, progress, count(*) FROM job_events GROUP BY job_id, type, progress HAVING count(*) > 1`,
    );
    expect(dupes).toEqual([]);
    const rows = await stack.app.ds.query(
      `SELECT count(*) AS n FROM jobs WHERE id = ANY($1) AND progress = 100 AND started_at IS NOT NULL AND finished_at IS NOT NULL`,
      [ids],
    );
    expect(Number(rows[0].n)).toBe(200);
    const pending = execFileSync('redis-cli', [
      'XPENDING',
      `${stack.env.JOBGATE_PREFIX}:events`,
      'aggregators',
    ]).toString();
    expect(pending.trim().split('\n')[0]).toBe('0');
    agg.kill('SIGTERM');
    await exited(agg);
  });
});
