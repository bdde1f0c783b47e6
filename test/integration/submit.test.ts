import { getJob, submit, SUBMIT, waitForStatus } from '../helpers/ops';
import { startStack } from '../helpers/stack';
import type { Stack } from '../helpers/stack';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack.close());

const jobCount = async (): Promise<number> =>
  Number((await stack.app.ds.query('SELECT count(*) AS n FROM jobs'))[0].n);

describe('submitJob', () => {
  it('runs an echo job on BullMQ and stores its result and events', async () => {
    const job = await submit(stack, { type: 'echo', input: { hello: 'world' } });
    expect(job).toMatchObject({
      type: 'echo',
      backend: 'BULLMQ',
      status: 'QUEUED',
      queue: 'default',
      priority: 'NORMAL',
      maxAttempts: 3,
    });
    expect(job.routingReason).toBe('default backend of type echo');
    const done = await waitForStatus(stack, job.id, ['SUCCEEDED']);
    expect(done.result).toEqual({ hello: 'world' });
    expect(done.events.map((e) => e.type)).toEqual(['QUEUED', 'STARTED', 'COMPLETED']);
    expect(done.attempts).toBe(1);
  });

  it('reports sleep progress in 10 steps', async () => {
    const job = await submit(stack, { type: 'sleep', input: { ms: 200 } });
    const done = await waitForStatus(stack, job.id, ['SUCCEEDED']);
    expect(done.events.filter((e) => e.type === 'PROGRESS').map((e) => e.progress)).toEqual([
      10, 20, 30, 40, 50, 60, 70, 80, 90, 100,
    ]);
  });

  it('honours a delay: DELAYED first, started no sooner than delayMs', async () => {
    const job = await submit(stack, { type: 'echo', input: 1, delayMs: 1500 });
    expect(job.status).toBe('DELAYED');
    const stored = await getJob(stack, job.id);
    expect(stored?.status).toBe('DELAYED');
    const done = await waitForStatus(stack, job.id, ['SUCCEEDED']);
    const startedAt = new Date(done.startedAt as string).getTime();
    expect(startedAt - new Date(done.createdAt as string).getTime()).toBeGreaterThanOrEqual(1400);
  });

  it('returns the same job for a reused idempotency key, and a new one in another tenant', async () => {
    const a = await submit(stack, { type: 'echo', input: 1, idempotencyKey: 'order-42' });
    const b = await submit(stack, { type: 'echo', input: 2, idempotencyKey: 'order-42' });
    expect(b.id).toBe(a.id);
    const other = await stack.createKey('other-tenant', 'OPERATOR');
    const c = await submit(stack, { type: 'echo', input: 3, idempotencyKey: 'order-42' }, other);
    expect(c.id).not.toBe(a.id);
    const rows = await stack.app.ds.query(
      `SELECT count(*) AS n FROM jobs WHERE idempotency_key = 'order-42'`,
    );
    expect(Number(rows[0].n)).toBe(2);
  });

  it('keeps the same key in one batch to one job', async () => {
    const r = await stack.gql<{ submitJobs: { id: string }[] }>(
      'mutation($i: [SubmitJobInput!]!) { submitJobs(inputs: $i) { id } }',
      {
        i: [
          { type: 'echo', idempotencyKey: 'dup-in-batch' },
          { type: 'echo', idempotencyKey: 'dup-in-batch' },
        ],
      },
    );
    expect(r.data?.submitJobs[0].id).toBe(r.data?.submitJobs[1].id);
  });
});

describe('submitJobs', () => {
  it('submits a batch of 50 and every one completes', async () => {
    const inputs = Array.from({ length: 50 }, (_, i) => ({ type: 'echo', input: { i } }));
    const r = await stack.gql<{ submitJobs: { id: string; status: string }[] }>(
      'mutation($i: [SubmitJobInput!]!) { submitJobs(inputs: $i) { id status } }',
      { i: inputs },
    );
    expect(r.data?.submitJobs).toHaveLength(50);
    const ids = r.data!.submitJobs.map((j) => j.id);
    await stack.waitFor(async () => {
      const rows = await stack.app.ds.query(
        `SELECT count(*) AS n FROM jobs WHERE id = ANY($1) AND status = 'SUCCEEDED'`,
        [ids],
      );
      return Number(rows[0].n) === 50;
    });
  });

  it('rejects the whole batch when one input is bad, leaving nothing behind', async () => {
    const before = await jobCount();
    const r = await stack.gql(
      'mutation($i: [SubmitJobInput!]!) { submitJobs(inputs: $i) { id } }',
      {
        i: [{ type: 'echo' }, { type: 'sleep', input: { ms: 'soon' } }],
      },
    );
    expect(r.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(r.errors?.[0].message).toContain('inputs[1].input.ms');
    expect(await jobCount()).toBe(before);
  });
});

describe('submitJob with bad input', () => {
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ['an unknown job type', { type: 'nope' }, /unknown job type 'nope'/],
    ['input failing the schema', { type: 'sleep', input: { ms: -5 } }, /input\.ms must be >= 0/],
    ['a missing required field', { type: 'flaky', input: {} }, /failTimes/],
    ['a negative delay', { type: 'echo', delayMs: -1 }, /delayMs must be between 0/],
    [
      'too many attempts',
      { type: 'echo', maxAttempts: 1000 },
      /maxAttempts must be between 1 and 100/,
    ],
    ['zero attempts', { type: 'echo', maxAttempts: 0 }, /maxAttempts must be between 1 and 100/],
    ['a workflow type on BULLMQ', { type: 'approval', backend: 'BULLMQ' }, /runs on TEMPORAL only/],
  ];
  it.each(cases)(
    'answers BAD_USER_INPUT for %s, naming the field, and stores nothing',
    async (_name, input, message) => {
      const before = await jobCount();
      const r = await stack.gql(SUBMIT, { input });
      expect(r.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
      expect(r.errors?.[0].message).toMatch(message);
      expect(await jobCount()).toBe(before);
    },
  );

  it('answers BAD_USER_INPUT for an unknown enum value', async () => {
    const r = await stack.gql(
      'mutation { submitJob(input: { type: "echo", priority: URGENT }) { id } }',
    );
    expect(r.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(r.errors?.[0].message).toMatch(/URGENT/);
  });

  it('answers BAD_USER_INPUT for a variable of the wrong type', async () => {
    const r = await stack.gql(SUBMIT, { input: { type: 'echo', delayMs: 'later' } });
    expect(r.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(r.errors?.[0].message).toMatch(/delayMs/);
  });

  it('answers 400 BAD_USER_INPUT for a malformed JSON body and stays up', async () => {
    const res = await fetch(stack.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${stack.adminKey}` },
      body: '{"query": ',
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { errors: { extensions: { code: string } }[] };
    expect(body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    const me = await stack.gql<{ me: { role: string } }>('{ me { role } }');
    expect(me.data?.me.role).toBe('ADMIN');
  });

  it('answers BACKEND_UNAVAILABLE for TEMPORAL when no Temporal lane is configured', async () => {
    if (stack.app.services.jobs['temporal' as never]) return; // covered by the Temporal suites when wired
    const r = await stack.gql(SUBMIT, { input: { type: 'echo', backend: 'TEMPORAL' } });
    expect(r.errors?.[0].extensions?.code).toBe('BACKEND_UNAVAILABLE');
  });
});

describe('jobTypes', () => {
  it('lists the catalog with schemas and signals', async () => {
    const r = await stack.gql<{
      jobTypes: { name: string; defaultBackend: string; signals: string[]; inputSchema: any }[];
    }>('{ jobTypes { name defaultBackend queue signals inputSchema maxAttempts description } }');
    const byName = Object.fromEntries(r.data!.jobTypes.map((t) => [t.name, t]));
    expect(Object.keys(byName)).toEqual(
      expect.arrayContaining(['echo', 'sleep', 'flaky', 'fail', 'approval', 'saga', 'batch']),
    );
    expect(byName.approval.signals).toEqual(['approve', 'reject']);
    expect(byName.approval.defaultBackend).toBe('TEMPORAL');
    expect(byName.sleep.inputSchema.required).toEqual(['ms']);
  });
});
