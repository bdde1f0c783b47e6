import { submit, waitForStatus } from '../helpers/ops';
import { startStack } from '../helpers/stack';
import type { Stack } from '../helpers/stack';

const CANCEL = 'mutation($id: ID!, $r: String) { cancelJob(id: $id, reason: $r) { id status } }';

describe('cancelJob', () => {
  let stack: Stack;
  beforeAll(async () => {
    // No worker in the test process: jobs run only in the worker processes a test starts.
    stack = await startStack({ bullmqWorker: false });
  });
  afterAll(() => stack.close());

  it('removes a waiting job and emits CANCELLED', async () => {
    const job = await submit(stack, { type: 'echo' });
    const r = await stack.gql<{ cancelJob: { status: string } }>(CANCEL, {
      id: job.id,
      r: 'not needed',
    });
    expect(r.data?.cancelJob.status).toBe('CANCELLED');
    const done = await waitForStatus(stack, job.id, ['CANCELLED']);
    expect(done.events.map((e) => e.type)).toEqual(['QUEUED', 'CANCELLED']);
    expect(done.error).toBe('not needed');
  });

  it('removes a delayed job before it runs', async () => {
    const job = await submit(stack, { type: 'echo', delayMs: 60_000 });
    const r = await stack.gql<{ cancelJob: { status: string } }>(CANCEL, { id: job.id });
    expect(r.data?.cancelJob.status).toBe('CANCELLED');
    await waitForStatus(stack, job.id, ['CANCELLED']);
  });

  it('aborts an active job running in another worker process through its AbortSignal', async () => {
    const worker = stack.spawn(['worker', '--queues=default']);
    try {
      const job = await submit(stack, { type: 'sleep', input: { ms: 30_000 } });
      await waitForStatus(stack, job.id, ['RUNNING']);
      const t0 = Date.now();
      const r = await stack.gql<{ cancelJob: { status: string } }>(CANCEL, {
        id: job.id,
        r: 'operator stop',
      });
      expect(r.data?.cancelJob.status).toBe('CANCELLED');
      expect(Date.now() - t0).toBeLessThan(5000);
      const done = await waitForStatus(stack, job.id, ['CANCELLED']);
      expect(done.events.at(-1)).toMatchObject({ type: 'CANCELLED', message: 'operator stop' });
      // Aborted, not retried: one STARTED only.
      expect(done.events.filter((e) => e.type === 'STARTED')).toHaveLength(1);
      // A cancelled job can be retried.
      const again = await stack.gql<{ retryJob: { status: string } }>(
        'mutation($id: ID!) { retryJob(id: $id) { status } }',
        { id: job.id },
      );
      expect(again.data?.retryJob.status).toBe('QUEUED');
      await waitForStatus(stack, job.id, ['RUNNING']);
      await stack.gql(CANCEL, { id: job.id });
      await waitForStatus(stack, job.id, ['CANCELLED']);
    } finally {
      worker.kill('SIGTERM');
    }
  });

  it('answers CONFLICT for a finished job and NOT_FOUND for an unknown one', async () => {
    const job = await submit(stack, { type: 'echo' });
    await stack.gql(CANCEL, { id: job.id });
    await waitForStatus(stack, job.id, ['CANCELLED']);
    const twice = await stack.gql(CANCEL, { id: job.id });
    expect(twice.errors?.[0].extensions?.code).toBe('CONFLICT');
    const missing = await stack.gql(CANCEL, { id: 'no-such-job' });
    expect(missing.errors?.[0].extensions?.code).toBe('NOT_FOUND');
  });
});
