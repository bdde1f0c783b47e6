import { randomBytes } from 'node:crypto';
import { startTemporalStack } from '../../helpers/temporal-stack';
import type { TemporalStack } from '../../helpers/temporal-stack';

let stack: TemporalStack;
let key: string;
let otherKey: string;
beforeAll(async () => {
  stack = await startTemporalStack();
  key = await stack.createKey(`a-${randomBytes(4).toString('hex')}`, 'OPERATOR');
  otherKey = await stack.createKey(`b-${randomBytes(4).toString('hex')}`, 'OPERATOR');
});
afterAll(() => stack.close());

const SIGNAL =
  'mutation($id: ID!, $s: String!, $p: JSON) { signalJob(id: $id, signal: $s, payload: $p) { id } }';
const QUERY = 'query($id: ID!, $n: String!) { workflowQuery(jobId: $id, name: $n) }';

async function waiting(): Promise<string> {
  const job = await stack.submit({ type: 'approval', input: {} }, key);
  expect(job).toMatchObject({ backend: 'TEMPORAL', routingReason: 'type approval is a workflow' });
  await stack.waitForStatus(job.id, ['WAITING'], 30_000, key);
  return job.id;
}

describe('approval', () => {
  it('waits, answers query state, and completes approved on signal approve', async () => {
    const id = await waiting();
    const q = await stack.gql<{ workflowQuery: unknown }>(QUERY, { id, n: 'state' }, key);
    expect(q.errors).toBeUndefined();
    expect(q.data?.workflowQuery).toEqual({ status: 'WAITING', by: null, comment: null });

    const s = await stack.gql(SIGNAL, { id, s: 'approve', p: { by: 'alice', comment: 'ok' } }, key);
    expect(s.errors).toBeUndefined();
    const done = await stack.waitForStatus(id, ['SUCCEEDED'], 30_000, key);
    expect(done.result).toEqual({ approved: true, by: 'alice' });
    expect(done.events.map((e) => e.type)).toEqual([
      'QUEUED',
      'STARTED',
      'WAITING',
      'SIGNALED',
      'COMPLETED',
    ]);
    expect(done.events.find((e) => e.type === 'SIGNALED')?.meta).toEqual({
      signal: 'approve',
      by: 'alice',
      comment: 'ok',
    });
    const after = await stack.gql<{ workflowQuery: unknown }>(QUERY, { id, n: 'state' }, key);
    expect(after.data?.workflowQuery).toEqual({ status: 'APPROVED', by: 'alice', comment: 'ok' });
  });

  it('completes with approved false on signal reject', async () => {
    const id = await waiting();
    await stack.gql(SIGNAL, { id, s: 'reject', p: { by: 'bob' } }, key);
    const done = await stack.waitForStatus(id, ['SUCCEEDED'], 30_000, key);
    expect(done.result).toEqual({ approved: false, by: 'bob' });
  });

  it('fails with a clear error when nobody decides before timeoutSeconds', async () => {
    const job = await stack.submit({ type: 'approval', input: { timeoutSeconds: 1 } }, key);
    const done = await stack.waitForStatus(job.id, ['FAILED'], 30_000, key);
    expect(done.error).toBe('approval timed out after 1 s: no approve or reject signal arrived');
    expect(done.events.map((e) => e.type)).toEqual(['QUEUED', 'STARTED', 'WAITING', 'FAILED']);
  });

  it('refuses a signal the type does not define, with BAD_USER_INPUT', async () => {
    const id = await waiting();
    const r = await stack.gql(SIGNAL, { id, s: 'escalate', p: { by: 'x' } }, key);
    expect(r.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(r.errors?.[0].message).toContain("'escalate' is not a signal of job type 'approval'");
    await stack.gql('mutation($id: ID!) { cancelJob(id: $id) { id } }', { id }, key);
  });

  it("treats another tenant's job as NOT_FOUND for signal and query, and leaves it waiting", async () => {
    const id = await waiting();
    const s = await stack.gql(SIGNAL, { id, s: 'approve', p: { by: 'mallory' } }, otherKey);
    expect(s.errors?.[0].extensions?.code).toBe('NOT_FOUND');
    const q = await stack.gql(QUERY, { id, n: 'state' }, otherKey);
    expect(q.errors?.[0].extensions?.code).toBe('NOT_FOUND');
    const mine = await stack.gql<{ workflowQuery: { status: string } }>(
      QUERY,
      { id, n: 'state' },
      key,
    );
    expect(mine.data?.workflowQuery.status).toBe('WAITING');
  });

  it('checks the tenant search attribute in the lane too (a store row of another tenant is NOT_FOUND)', async () => {
    const id = await waiting();
    const row = await stack.job(id, key);
    const forged = {
      ...(row as object),
      id,
      tenant: 'someone-else',
      type: 'approval',
      queue: 'default',
    } as never;
    await expect(stack.lane.signal(forged, 'approve', { by: 'x' })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    await expect(stack.lane.query(forged, 'state', null)).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    expect((await stack.lane.describe([forged])).get(id)).toBeNull();
  });
});
