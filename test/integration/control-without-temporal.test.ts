// A TEMPORAL job read through a gateway that has no Temporal lane (a BullMQ-only deployment
// sharing the store): what a person can fix is answered first (an unknown signal, a bad
// payload, an unknown query, a finished job), and BACKEND_UNAVAILABLE only where the call
// itself needs Temporal. A BULLMQ job is told that these are for TEMPORAL jobs.
import { randomUUID } from 'node:crypto';
import { Backend, JobStatus, Priority } from '../../src/model/enums';
import { JobStore } from '../../src/store/job-store';
import type { NewJobRow } from '../../src/store/job-store';
import { codeOf, fieldOf } from '../helpers/schedules';
import { startStack } from '../helpers/stack';
import type { Stack } from '../helpers/stack';

let stack: Stack;
let jobs: JobStore;

beforeAll(async () => {
  stack = await startStack({ bullmqWorker: false });
  jobs = new JobStore(stack.app.ds);
});
afterAll(() => stack.close());

const row = (type: string, backend: Backend, status = JobStatus.QUEUED): NewJobRow => ({
  id: randomUUID(),
  tenant: 'default',
  type,
  backend,
  routingReason: 'test',
  queue: 'default',
  status,
  priority: Priority.NORMAL,
  maxAttempts: 1,
  input: {},
  idempotencyKey: null,
  delayMs: null,
});

async function stored(r: NewJobRow): Promise<string> {
  await jobs.insert([r]);
  return r.id;
}

const SIGNAL =
  'mutation($id: ID!, $s: String!, $p: JSON) { signalJob(id: $id, signal: $s, payload: $p) { id } }';
const TERMINATE = 'mutation($id: ID!) { terminateJob(id: $id) { id } }';
const QUERY = 'query($id: ID!, $n: String!) { workflowQuery(jobId: $id, name: $n) }';

describe('workflow control on a gateway without Temporal', () => {
  it('has no TEMPORAL lane', async () => {
    expect(stack.config.TEMPORAL_ENABLED).toBe(false);
  });

  it("checks a TEMPORAL job's signal and payload first, then says Temporal is not here", async () => {
    const id = await stored(row('approval', Backend.TEMPORAL));
    const unknown = await stack.gql(SIGNAL, { id, s: 'nope', p: {} });
    expect([codeOf(unknown), fieldOf(unknown)]).toEqual(['BAD_USER_INPUT', 'signal']);
    const bad = await stack.gql(SIGNAL, { id, s: 'approve', p: { comment: 'no by' } });
    expect(codeOf(bad)).toBe('BAD_USER_INPUT');
    const good = await stack.gql(SIGNAL, { id, s: 'approve', p: { by: 'ops' } });
    expect(codeOf(good)).toBe('BACKEND_UNAVAILABLE');
    expect(good.errors?.[0]?.message).toContain('TEMPORAL backend is not configured');
  });

  it("answers an unknown query name, and a finished job's terminate, before the missing lane", async () => {
    const id = await stored(row('approval', Backend.TEMPORAL));
    const q = await stack.gql(QUERY, { id, n: 'nope' });
    expect([codeOf(q), fieldOf(q)]).toEqual(['BAD_USER_INPUT', 'name']);
    expect(codeOf(await stack.gql(QUERY, { id, n: 'state' }))).toBe('BACKEND_UNAVAILABLE');
    const done = await stored(row('approval', Backend.TEMPORAL, JobStatus.FAILED));
    expect(codeOf(await stack.gql(TERMINATE, { id: done }))).toBe('CONFLICT');
    expect(codeOf(await stack.gql(TERMINATE, { id }))).toBe('BACKEND_UNAVAILABLE');
  });

  it('tells a BULLMQ job that signals, queries and terminate are for TEMPORAL jobs', async () => {
    const id = await stored(row('echo', Backend.BULLMQ));
    const s = await stack.gql(SIGNAL, { id, s: 'approve', p: { by: 'ops' } });
    expect(s.errors?.[0]?.message).toBe(
      `job ${id} runs on BULLMQ; only TEMPORAL jobs take signals`,
    );
    const t = await stack.gql(TERMINATE, { id });
    expect(t.errors?.[0]?.message).toBe(
      `job ${id} runs on BULLMQ; terminateJob is for TEMPORAL jobs, use cancelJob`,
    );
    const q = await stack.gql(QUERY, { id, n: 'state' });
    expect([codeOf(q), fieldOf(q)]).toEqual(['BAD_USER_INPUT', 'jobId']);
  });
});
