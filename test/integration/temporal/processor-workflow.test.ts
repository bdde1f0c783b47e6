import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { startTemporalStack } from '../../helpers/temporal-stack';
import type { TemporalStack } from '../../helpers/temporal-stack';
import { TEMPORAL_BINARY } from '../../helpers/temporal-server';

let stack: TemporalStack;
let tenant: string;
let key: string;
beforeAll(async () => {
  stack = await startTemporalStack();
  tenant = `t-${randomBytes(4).toString('hex')}`;
  key = await stack.createKey(tenant, 'OPERATOR');
});
afterAll(() => stack.close());

describe('a catalog processor on TEMPORAL', () => {
  it('routes echo with estimatedDurationSeconds > 30 to TEMPORAL and stores its result', async () => {
    const job = await stack.submit(
      { type: 'echo', input: { hello: 'temporal' }, estimatedDurationSeconds: 45 },
      key,
    );
    expect(job).toMatchObject({
      backend: 'TEMPORAL',
      routingReason: 'estimatedDurationSeconds 45 > 30',
      status: 'QUEUED',
    });
    const done = await stack.waitForStatus(job.id, ['SUCCEEDED'], 30_000, key);
    expect(done.result).toEqual({ hello: 'temporal' });
    expect(done.attempts).toBe(1);
    expect(done.events.map((e) => e.type)).toEqual([
      'QUEUED',
      'STARTED',
      'ACTIVITY_STARTED',
      'ACTIVITY_COMPLETED',
      'COMPLETED',
    ]);
  });

  it.each([
    [{ stepCount: 3 }, 'TEMPORAL', 'stepCount 3 > 1'],
    [{ requiresCompensation: true }, 'TEMPORAL', 'requiresCompensation'],
    [{ estimatedDurationSeconds: 5 }, 'BULLMQ', 'default backend of type echo'],
  ])('routes AUTO echo with %j to %s', async (hints, backend, reason) => {
    const job = await stack.submit(
      { type: 'echo', input: { n: 1 }, backend: 'AUTO', ...hints },
      key,
    );
    expect(job).toMatchObject({ backend, routingReason: reason });
    const done = await stack.waitForStatus(job.id, ['SUCCEEDED'], 30_000, key);
    expect(done.result).toEqual({ n: 1 });
  });

  it('refuses a workflow-only type on BULLMQ with BAD_USER_INPUT', async () => {
    const r = await stack.gql(
      'mutation { submitJob(input: { type: "saga", input: { steps: ["a"] }, backend: BULLMQ }) { id } }',
      {},
      key,
    );
    expect(r.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('retries flaky with Temporal retries: RETRYING after each failed attempt, then SUCCEEDED on attempt 3', async () => {
    const job = await stack.submit(
      { type: 'flaky', input: { failTimes: 2 }, backend: 'TEMPORAL' },
      key,
    );
    const done = await stack.waitForStatus(job.id, ['SUCCEEDED'], 30_000, key);
    expect(done.result).toEqual({ attempt: 3 });
    expect(done.attempts).toBe(3);
    const failed = done.events.filter((e) => e.type === 'ACTIVITY_FAILED');
    expect(failed.map((e) => [e.attempt, e.meta?.willRetry])).toEqual([
      [1, true],
      [2, true],
    ]);
    expect(done.events.filter((e) => e.type === 'RETRYING').map((e) => e.attempt)).toEqual([1, 2]);
    expect(done.events.filter((e) => e.type === 'ACTIVITY_STARTED').map((e) => e.attempt)).toEqual([
      1, 2, 3,
    ]);
  });

  it('fails fail after maxAttempts, then retryJob starts a new run under the same id', async () => {
    const job = await stack.submit(
      { type: 'fail', input: { message: 'boom' }, backend: 'TEMPORAL' },
      key,
    );
    const failed = await stack.waitForStatus(job.id, ['FAILED'], 30_000, key);
    expect(failed.error).toBe('boom');
    expect(failed.attempts).toBe(2);
    expect(
      failed.events.filter((e) => e.type === 'ACTIVITY_FAILED').map((e) => e.meta?.willRetry),
    ).toEqual([true, false]);
    const before = await stack.lane.describe([{ id: job.id, tenant } as never]);
    const firstRun = before.get(job.id)?.runId;
    expect(before.get(job.id)?.temporalStatus).toBe('FAILED');

    const r = await stack.gql<{ retryJob: { status: string } }>(
      'mutation($id: ID!) { retryJob(id: $id) { status } }',
      { id: job.id },
      key,
    );
    expect(r.errors).toBeUndefined();
    expect(r.data?.retryJob.status).toBe('QUEUED');
    await stack.waitFor(
      async () => (await stack.busEvents(job.id)).filter((e) => e.type === 'FAILED').length === 2,
      30_000,
      'second FAILED',
    );
    const again = await stack.waitForStatus(job.id, ['FAILED'], 30_000, key);
    expect(again.attempts).toBe(2);
    expect(
      again.events.filter((e) => e.type === 'QUEUED').map((e) => e.meta?.retry ?? false),
    ).toEqual([false, true]);
    const after = await stack.lane.describe([{ id: job.id, tenant } as never]);
    expect(after.get(job.id)?.runId).not.toBe(firstRun);
  });

  it('shows Job.workflow from Temporal describe, with the pending activity and its attempt', async () => {
    const job = await stack.submit(
      { type: 'sleep', input: { ms: 4000 }, backend: 'TEMPORAL' },
      key,
    );
    await stack.waitForEvent(job.id, 'ACTIVITY_STARTED');
    const r = await stack.gql<{ job: { workflow: Record<string, any> } }>(
      `query($id: ID!) { job(id: $id) { workflow { workflowId runId workflowType taskQueue temporalStatus historyLength
        pendingActivities { activityId activityType attempt state lastFailure } } } }`,
      { id: job.id },
      key,
    );
    expect(r.errors).toBeUndefined();
    const wf = r.data?.job.workflow;
    expect(wf).toMatchObject({
      workflowId: job.id,
      workflowType: 'runProcessor',
      taskQueue: `${stack.prefix}-default`,
      temporalStatus: 'RUNNING',
    });
    expect(wf?.runId).toEqual(expect.any(String));
    expect(wf?.historyLength).toBeGreaterThan(0);
    expect(wf?.pendingActivities).toEqual([
      {
        activityId: 'processor',
        activityType: 'runProcessor',
        attempt: 1,
        state: 'STARTED',
        lastFailure: null,
      },
    ]);
    const progress = await stack.waitForStatus(job.id, ['SUCCEEDED'], 30_000, key);
    expect(progress.events.filter((e) => e.type === 'PROGRESS').map((e) => e.progress)).toEqual([
      10, 20, 30, 40, 50, 60, 70, 80, 90, 100,
    ]);
  });

  it('honours delayMs with a delayed start: DELAYED first, started no sooner than the delay', async () => {
    const job = await stack.submit(
      { type: 'echo', input: 2, backend: 'TEMPORAL', delayMs: 1500 },
      key,
    );
    expect(job.status).toBe('DELAYED');
    const done = await stack.waitForStatus(job.id, ['SUCCEEDED'], 30_000, key);
    const queued = await stack.busEvents(job.id);
    const gap =
      Date.parse(queued.find((e) => e.type === 'STARTED')!.timestamp) -
      Date.parse(queued[0].timestamp);
    expect(gap).toBeGreaterThanOrEqual(1400);
    expect(done.result).toBe(2);
  });

  it('cancels a running sleep: the activity stops and the job ends CANCELLED with the reason', async () => {
    const job = await stack.submit(
      { type: 'sleep', input: { ms: 20_000 }, backend: 'TEMPORAL' },
      key,
    );
    await stack.waitForEvent(job.id, 'PROGRESS');
    const r = await stack.gql<{ cancelJob: { status: string } }>(
      'mutation($id: ID!) { cancelJob(id: $id, reason: "enough") { status } }',
      { id: job.id },
      key,
    );
    expect(r.data?.cancelJob.status).toBe('CANCELLED');
    const done = await stack.waitForStatus(job.id, ['CANCELLED'], 30_000, key);
    expect(done.error).toBe('enough');
    expect(done.events.find((e) => e.type === 'ACTIVITY_FAILED')?.meta).toMatchObject({
      cancelled: true,
      willRetry: false,
    });
  });

  it('lists the Temporal task queue in queues', async () => {
    const r = await stack.gql<{
      queues: { name: string; backend: string; completed: number; failed: number }[];
    }>('{ queues { name backend active completed failed } }');
    const temporal = r.data?.queues.find((q) => q.backend === 'TEMPORAL');
    expect(temporal).toMatchObject({ name: 'default' });
    // Visibility is eventually consistent: the runs above show up shortly.
    await stack.waitFor(
      async () => {
        const q = (await stack.lane.stats())[0];
        return q.completed >= 6 && q.failed >= 2;
      },
      15_000,
      'task queue counts',
    );
  });

  it("shows the tenant's workflows, with the tenant search attribute, to the real temporal CLI", async () => {
    const job = await stack.submit({ type: 'echo', input: 1, backend: 'TEMPORAL' }, key);
    await stack.waitForStatus(job.id, ['SUCCEEDED'], 30_000, key);
    const run = promisify(execFile);
    const list = await stack.waitFor(
      async () => {
        const { stdout } = await run(TEMPORAL_BINARY, [
          'workflow',
          'list',
          '--address',
          stack.temporalAddress,
          '--query',
          `JobgateTenant='${tenant}'`,
          '-o',
          'json',
        ]);
        const rows = JSON.parse(stdout || '[]') as { execution: { workflowId: string } }[];
        return rows.some((w) => w.execution.workflowId === job.id) ? rows : null;
      },
      15_000,
      'the workflow in temporal workflow list',
    );
    // Every job of this tenant so far was a workflow, and each shows up (runs of retried jobs count twice).
    expect(new Set(list.map((w) => w.execution.workflowId)).size).toBeGreaterThanOrEqual(9);
    const { stdout } = await run(TEMPORAL_BINARY, [
      'workflow',
      'describe',
      '--address',
      stack.temporalAddress,
      '-w',
      job.id,
      '-o',
      'json',
    ]);
    // The CLI prints search attribute values base64-encoded: the names are what is readable.
    expect(stdout).toContain('"JobgateTenant"');
    expect(stdout).toContain('"JobgateJobType"');
  });
});
