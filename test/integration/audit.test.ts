import { submit, waitForStatus } from '../helpers/ops';
import { startStack } from '../helpers/stack';
import type { Stack } from '../helpers/stack';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack.close());

type Entry = {
  operation: string;
  tenant: string;
  role: string;
  keyId: string | null;
  targetIds: string[];
  outcome: string;
};
const AUDIT =
  'query($f: AuditFilter) { auditLog(filter: $f, first: 100) { id at keyId tenant role operation targetIds outcome requestId } }';

describe('the audit log', () => {
  it('records every mutation with who, what, which ids and the outcome, readable by ADMIN only', async () => {
    const op = await stack.createKey('acme', 'OPERATOR');
    const viewer = await stack.createKey('acme', 'VIEWER');
    const job = await submit(stack, { type: 'echo' }, op);
    await waitForStatus(stack, job.id, ['SUCCEEDED']);
    await stack.gql('mutation($id: ID!) { cancelJob(id: $id) { id } }', { id: job.id }, op);
    await stack.gql('mutation { submitJob(input: { type: "echo" }) { id } }', {}, viewer);
    const entries = await stack.waitFor(async () => {
      const r = await stack.gql<{ auditLog: Entry[] }>(AUDIT, { f: { tenant: 'acme' } });
      return r.data && r.data.auditLog.length >= 3 ? r.data.auditLog : null;
    });
    const [denied, cancelled, submitted] = entries;
    expect(submitted).toMatchObject({
      operation: 'submitJob',
      tenant: 'acme',
      role: 'OPERATOR',
      targetIds: [job.id],
      outcome: 'ok',
    });
    expect(submitted.keyId).toMatch(/^[0-9a-f-]{36}$/);
    expect(cancelled).toMatchObject({
      operation: 'cancelJob',
      targetIds: [job.id],
      outcome: 'CONFLICT',
    });
    expect(denied).toMatchObject({ operation: 'submitJob', role: 'VIEWER', outcome: 'FORBIDDEN' });
    const asOperator = await stack.gql(AUDIT, {}, op);
    expect(asOperator.errors?.[0].extensions?.code).toBe('FORBIDDEN');
  });
});

describe('sensitive input fields', () => {
  it('are masked for VIEWERs and shown to OPERATORs', async () => {
    const op = await stack.createKey('shop', 'OPERATOR');
    const viewer = await stack.createKey('shop', 'VIEWER');
    const job = await submit(
      stack,
      { type: 'charge', input: { amount: 12.5, cardToken: 'tok_visa_4242' } },
      op,
    );
    expect(job.input).toEqual({ amount: 12.5, cardToken: 'tok_visa_4242' });
    const done = await waitForStatus(stack, job.id, ['SUCCEEDED']);
    expect(done.result).toEqual({ charged: 12.5 });
    const seen = await stack.gql<{ job: { input: unknown } }>(
      'query($id: ID!) { job(id: $id) { input } }',
      { id: job.id },
      viewer,
    );
    expect(seen.data?.job.input).toEqual({ amount: 12.5, cardToken: '***' });
  });
});
