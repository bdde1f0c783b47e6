import { randomBytes } from 'node:crypto';
import { startTemporalStack } from '../../helpers/temporal-stack';
import type { JobView, TemporalStack } from '../../helpers/temporal-stack';

let stack: TemporalStack;
let key: string;
beforeAll(async () => {
  stack = await startTemporalStack();
  key = await stack.createKey(`s-${randomBytes(4).toString('hex')}`, 'OPERATOR');
});
afterAll(() => stack.close());

const compensations = (j: JobView): unknown[] =>
  j.events.filter((e) => e.type === 'COMPENSATING').map((e) => e.meta?.step);
const completedSteps = (j: JobView): unknown[] =>
  j.events
    .filter((e) => e.type === 'ACTIVITY_COMPLETED' && e.meta?.activityType === 'sagaStep')
    .map((e) => e.meta?.step);

describe('saga', () => {
  it('runs every step in order and completes', async () => {
    const job = await stack.submit(
      { type: 'saga', input: { steps: ['reserve', 'charge', 'ship'] } },
      key,
    );
    const done = await stack.waitForStatus(job.id, ['SUCCEEDED'], 30_000, key);
    expect(done.result).toEqual({ completed: ['reserve', 'charge', 'ship'] });
    expect(completedSteps(done)).toEqual(['reserve', 'charge', 'ship']);
    expect(done.events.filter((e) => e.type === 'PROGRESS').map((e) => e.progress)).toEqual([
      33, 66, 100,
    ]);
    expect(compensations(done)).toEqual([]);
  });

  it('compensates the completed steps in reverse order when step failAt fails, then ends FAILED', async () => {
    const job = await stack.submit(
      { type: 'saga', input: { steps: ['a', 'b', 'c', 'd'], failAt: 'c' }, maxAttempts: 2 },
      key,
    );
    const done = await stack.waitForStatus(job.id, ['FAILED'], 30_000, key);
    expect(done.error).toBe("saga step 'c' failed: step 'c' failed; compensated b, a");
    // Step c failed on both attempts before the compensation began.
    expect(
      done.events
        .filter((e) => e.type === 'ACTIVITY_FAILED')
        .map((e) => [e.meta?.step, e.attempt, e.meta?.willRetry]),
    ).toEqual([
      ['c', 1, true],
      ['c', 2, false],
    ]);
    expect(compensations(done)).toEqual(['b', 'a']);
    // Each COMPENSATING precedes the compensation activity of its step, and FAILED comes last.
    const order = done.events
      .filter(
        (e) =>
          e.type === 'COMPENSATING' ||
          (e.type === 'ACTIVITY_COMPLETED' && e.meta?.activityType === 'sagaCompensate') ||
          e.type === 'FAILED',
      )
      .map((e) => `${e.type}:${e.meta?.step ?? ''}`);
    expect(order).toEqual([
      'COMPENSATING:b',
      'ACTIVITY_COMPLETED:b',
      'COMPENSATING:a',
      'ACTIVITY_COMPLETED:a',
      'FAILED:',
    ]);
  });

  it('cancelJob on a running saga compensates the completed steps, then ends CANCELLED', async () => {
    const job = await stack.submit(
      { type: 'saga', input: { steps: ['a', 'b', 'c'], stepMs: 2500 } },
      key,
    );
    await stack.waitForEvent(job.id, 'ACTIVITY_STARTED', (e) => e.meta?.step === 'b');
    const r = await stack.gql<{ cancelJob: { status: string } }>(
      'mutation($id: ID!) { cancelJob(id: $id, reason: "customer changed their mind") { status } }',
      { id: job.id },
      key,
    );
    expect(r.errors).toBeUndefined();
    expect(['CANCELLED', 'RUNNING']).toContain(r.data?.cancelJob.status);
    const done = await stack.waitForStatus(job.id, ['CANCELLED'], 30_000, key);
    expect(done.error).toBe('customer changed their mind');
    expect(compensations(done)).toEqual(['a']);
    expect(done.events.at(-1)?.type).toBe('CANCELLED');
    expect(completedSteps(done)).toEqual(['a']);
    // Step b was interrupted, not completed: it is not compensated.
    expect(done.events.find((e) => e.type === 'ACTIVITY_FAILED')?.meta).toMatchObject({
      step: 'b',
      cancelled: true,
      willRetry: false,
    });
    const wf = (await stack.lane.describe([{ id: job.id, tenant: await tenantOf() } as never])).get(
      job.id,
    );
    expect(wf?.temporalStatus).toBe('CANCELLED');
  });

  it('terminateJob stops it at once: no compensation, CANCELLED with meta.terminated', async () => {
    const job = await stack.submit(
      { type: 'saga', input: { steps: ['a', 'b'], stepMs: 3000 } },
      key,
    );
    await stack.waitForEvent(job.id, 'ACTIVITY_STARTED');
    const r = await stack.gql<{ terminateJob: { status: string } }>(
      'mutation($id: ID!) { terminateJob(id: $id, reason: "stuck") { status } }',
      { id: job.id },
      key,
    );
    expect(r.errors).toBeUndefined();
    expect(r.data?.terminateJob.status).toBe('CANCELLED');
    const done = await stack.waitForStatus(job.id, ['CANCELLED'], 30_000, key);
    expect(done.error).toBe('stuck');
    expect(done.events.find((e) => e.type === 'CANCELLED')?.meta).toEqual({ terminated: true });
    expect(compensations(done)).toEqual([]);
    const wf = (await stack.lane.describe([{ id: job.id, tenant: await tenantOf() } as never])).get(
      job.id,
    );
    expect(wf?.temporalStatus).toBe('TERMINATED');
    const again = await stack.gql(
      'mutation($id: ID!) { terminateJob(id: $id) { status } }',
      { id: job.id },
      key,
    );
    expect(again.errors?.[0].extensions?.code).toBe('CONFLICT');
  });
});

async function tenantOf(): Promise<string> {
  const r = await stack.gql<{ me: { tenant: string } }>('{ me { tenant } }', {}, key);
  return r.data?.me.tenant as string;
}
