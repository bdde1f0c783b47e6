import { submit, waitForStatus } from '../helpers/ops';
import { startStack } from '../helpers/stack';
import type { Stack } from '../helpers/stack';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack.close());

describe('retries', () => {
  it('runs flaky again after failures: RETRYING events, then COMPLETED on the third attempt', async () => {
    const job = await submit(stack, { type: 'flaky', input: { failTimes: 2 } });
    const done = await waitForStatus(stack, job.id, ['SUCCEEDED']);
    expect(done.events.map((e) => e.type)).toEqual([
      'QUEUED',
      'STARTED',
      'RETRYING',
      'STARTED',
      'RETRYING',
      'STARTED',
      'COMPLETED',
    ]);
    expect(done.events.filter((e) => e.type === 'RETRYING').map((e) => e.attempt)).toEqual([1, 2]);
    expect(done.attempts).toBe(3);
    expect(done.result).toEqual({ attempt: 3 });
  });

  it('ends fail FAILED with attempts exhausted, and retryJob runs it again', async () => {
    const job = await submit(stack, {
      type: 'fail',
      input: { message: 'disk full' },
      maxAttempts: 2,
    });
    const failed = await waitForStatus(stack, job.id, ['FAILED']);
    expect(failed.attempts).toBe(2);
    expect(failed.error).toBe('disk full');
    expect(failed.events.map((e) => e.type)).toEqual([
      'QUEUED',
      'STARTED',
      'RETRYING',
      'STARTED',
      'FAILED',
    ]);
    const stats = await stack.gql<{ queues: { name: string; failed: number }[] }>(
      '{ queues { name failed } }',
    );
    expect(stats.data!.queues.find((q) => q.name === 'default')!.failed).toBeGreaterThanOrEqual(1);

    const r = await stack.gql<{ retryJob: { status: string } }>(
      'mutation($id: ID!) { retryJob(id: $id) { status } }',
      { id: job.id },
    );
    expect(r.data?.retryJob.status).toBe('QUEUED');
    await stack.waitFor(async () => {
      const rows = await stack.app.ds.query(
        `SELECT count(*) AS n FROM job_events WHERE job_id = $1 AND type = 'FAILED'`,
        [job.id],
      );
      return Number(rows[0].n) === 2;
    });
    const again = await waitForStatus(stack, job.id, ['FAILED']);
    expect(again.events.map((e) => e.type)).toEqual([
      'QUEUED',
      'STARTED',
      'RETRYING',
      'STARTED',
      'FAILED',
      'QUEUED',
      'STARTED',
      'RETRYING',
      'STARTED',
      'FAILED',
    ]);
  });

  it('refuses retryJob of a job that has not failed with CONFLICT', async () => {
    const job = await submit(stack, { type: 'echo' });
    await waitForStatus(stack, job.id, ['SUCCEEDED']);
    const r = await stack.gql('mutation($id: ID!) { retryJob(id: $id) { id } }', { id: job.id });
    expect(r.errors?.[0].extensions?.code).toBe('CONFLICT');
  });

  it('retryJobs retries every FAILED job matching the filter and returns how many', async () => {
    const jobs = await Promise.all(
      [1, 2, 3].map(() => submit(stack, { type: 'fail', maxAttempts: 1 })),
    );
    await Promise.all(jobs.map((j) => waitForStatus(stack, j.id, ['FAILED'])));
    const r = await stack.gql<{ retryJobs: number }>(
      'mutation($f: JobFilter!) { retryJobs(filter: $f) }',
      { f: { ids: jobs.map((j) => j.id) } },
    );
    expect(r.data?.retryJobs).toBe(3);
    for (const j of jobs) {
      await stack.waitFor(async () => {
        const rows = await stack.app.ds.query(
          `SELECT count(*) AS n FROM job_events WHERE job_id = $1 AND type = 'FAILED'`,
          [j.id],
        );
        return Number(rows[0].n) === 2;
      });
    }
    const bad = await stack.gql('mutation($f: JobFilter!) { retryJobs(filter: $f) }', {
      f: { statuses: ['SUCCEEDED'] },
    });
    expect(bad.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
  });
});

describe('queues', () => {
  it('pauses and resumes a queue, and a paused queue holds its jobs', async () => {
    const paused = await stack.gql<{ pauseQueue: { name: string; paused: boolean } }>(
      'mutation { pauseQueue(name: "default") { name paused waiting } }',
    );
    expect(paused.data?.pauseQueue.paused).toBe(true);
    const job = await submit(stack, { type: 'echo' });
    await new Promise((r) => setTimeout(r, 500));
    const stats = await stack.gql<{ queues: { name: string; waiting: number; paused: boolean }[] }>(
      '{ queues { name backend paused waiting active delayed completed failed } }',
    );
    const q = stats.data!.queues.find((x) => x.name === 'default')!;
    expect(q.paused).toBe(true);
    expect(q.waiting).toBeGreaterThanOrEqual(1);
    const resumed = await stack.gql<{ resumeQueue: { paused: boolean } }>(
      'mutation { resumeQueue(name: "default") { paused } }',
    );
    expect(resumed.data?.resumeQueue.paused).toBe(false);
    await waitForStatus(stack, job.id, ['SUCCEEDED']);
  });

  it('answers NOT_FOUND for an unknown queue', async () => {
    const r = await stack.gql('mutation { pauseQueue(name: "nope") { name } }');
    expect(r.errors?.[0].extensions?.code).toBe('NOT_FOUND');
  });
});

describe('priority', () => {
  let one: Stack;
  beforeAll(async () => {
    one = await startStack({ env: { WORKER_CONCURRENCY: '1' } });
  });
  afterAll(() => one.close());

  it('starts CRITICAL before HIGH before NORMAL before LOW', async () => {
    await one.gql('mutation { pauseQueue(name: "default") { name } }');
    const order = ['LOW', 'NORMAL', 'HIGH', 'CRITICAL', 'LOW', 'CRITICAL'];
    const jobs: { p: string; job: { id: string } }[] = [];
    for (const p of order)
      jobs.push({ p, job: await submit(one, { type: 'echo', priority: p, input: p }) });
    await one.gql('mutation { resumeQueue(name: "default") { name } }');
    const ids = jobs.map((j) => j.job.id);
    await one.waitFor(async () => {
      const rows = await one.app.ds.query(
        `SELECT count(*) AS n FROM jobs WHERE id = ANY($1) AND status = 'SUCCEEDED'`,
        [ids],
      );
      return Number(rows[0].n) === ids.length;
    });
    const started: { job_id: string }[] = await one.app.ds.query(
      `SELECT job_id FROM job_events WHERE job_id = ANY($1) AND type = 'STARTED' ORDER BY ms, seq`,
      [ids],
    );
    const priorities = started.map((s) => jobs.find((j) => j.job.id === s.job_id)!.p);
    expect(priorities).toEqual(['CRITICAL', 'CRITICAL', 'HIGH', 'NORMAL', 'LOW', 'LOW']);
  });
});
