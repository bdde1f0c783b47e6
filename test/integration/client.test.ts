import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { defineJob } from 'jobgate';
import { createClient, JobgateError } from 'jobgate/client';
import type { Job, JobEvent, JobgateClient } from 'jobgate/client';
import { echo, sleep } from '../../examples/jobs';
import { startHttpProxy, startTcpProxy } from '../helpers/proxies';
import { exampleDefinitions, startStack } from '../helpers/stack';
import type { Stack } from '../helpers/stack';

const square = defineJob({
  name: 'client.square',
  input: z.object({ n: z.number().int() }),
  run: async ({ n }) => ({ square: n * n }),
});

let stack: Stack;
let key: string;
const tenant = `client-${randomUUID().slice(0, 8)}`;
/** POST /graphql requests the gateway received: batching is counted at the server. */
/**
 * GraphQL mutations the gateway has answered over HTTP, from its own metrics: one per
 * request, however many submissions a request carries.
 */
async function mutationRequests(): Promise<number> {
  const text = await (await fetch(`${stack.app.url}/metrics`)).text();
  return text
    .split('\n')
    .filter((l) => l.startsWith('jobgate_graphql_operation_duration_seconds_count{'))
    .filter((l) => l.includes('type="mutation"'))
    .reduce((n, l) => n + Number(l.split(' ').at(-1)), 0);
}
const clients: JobgateClient[] = [];

const client = (url = stack.url, extra: { batchSize?: number; backoffMs?: number } = {}) => {
  const c = createClient({ url, apiKey: key, ...extra });
  clients.push(c);
  return c;
};
const rowsOfTenant = async (): Promise<number> =>
  (
    (await stack.app.ds.query('SELECT count(*)::int AS n FROM jobs WHERE tenant = $1', [
      tenant,
    ])) as { n: number }[]
  )[0].n;

beforeAll(async () => {
  stack = await startStack({
    jobs: [...exampleDefinitions, square],
  });
  key = await stack.createKey(tenant, 'OPERATOR');
}, 60_000);

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await stack?.close();
});

describe('createClient', () => {
  it('submits a job typed from its definition and waits for its result', async () => {
    const jg = client();
    const job = await jg.submit(square, { n: 7 });
    expect(job).toMatchObject({ type: 'client.square', backend: 'BULLMQ' });
    expect(job.idempotencyKey).toEqual(expect.any(String));
    const done = await jg.wait(job, { timeoutMs: 20_000 });
    expect(done.status).toBe('SUCCEEDED');
    const result: number | undefined = done.result?.square;
    expect(result).toBe(49);
    expect(await jg.get(job.id)).toMatchObject({ id: job.id, status: 'SUCCEEDED' });
    expect(await jg.get(randomUUID())).toBeNull();
  });

  it('sends 20 submissions made in one tick as one submitJobs request', async () => {
    const jg = client();
    const before = await mutationRequests();
    const rows = await rowsOfTenant();
    const jobs = await Promise.all(Array.from({ length: 20 }, (_, i) => jg.submit(echo, { i })));
    expect((await mutationRequests()) - before).toBe(1);
    expect(jobs.map((j) => j.input)).toEqual(Array.from({ length: 20 }, (_, i) => ({ i })));
    expect(new Set(jobs.map((j) => j.id)).size).toBe(20);
    expect(await rowsOfTenant()).toBe(rows + 20);
  });

  it('splits a tick larger than batchSize into requests of batchSize', async () => {
    const jg = client(stack.url, { batchSize: 50 });
    const before = await mutationRequests();
    const jobs = await jg.submitMany(
      Array.from({ length: 120 }, (_, i) => ({ type: 'echo', input: { i } })),
    );
    expect((await mutationRequests()) - before).toBe(3);
    expect(jobs.map((j) => j.input)).toEqual(Array.from({ length: 120 }, (_, i) => ({ i })));
  });

  it('fails only the caller whose input is bad; the other 19 get their jobs', async () => {
    const jg = client();
    const before = await mutationRequests();
    const rows = await rowsOfTenant();
    const settled = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) =>
        i === 7 ? jg.submit('sleep', { ms: 'soon' }) : jg.submit(sleep, { ms: 1 }),
      ),
    );
    const bad = settled[7] as PromiseRejectedResult;
    expect(bad.status).toBe('rejected');
    expect(bad.reason).toBeInstanceOf(JobgateError);
    expect(bad.reason).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.input.ms' });
    expect((bad.reason as JobgateError).message).toContain('input.input.ms');
    const good = settled.filter((s) => s.status === 'fulfilled') as PromiseFulfilledResult<Job>[];
    expect(good).toHaveLength(19);
    expect(new Set(good.map((s) => s.value.id)).size).toBe(19);
    // The batch, then the 19 again with the same keys.
    expect((await mutationRequests()) - before).toBe(2);
    expect(await rowsOfTenant()).toBe(rows + 19);
  });

  it('names the item of submitMany whose input is bad', async () => {
    const jg = client();
    await expect(
      jg.submitMany([
        { type: sleep, input: { ms: 1 } },
        { type: 'nope.never', input: {} },
      ]),
    ).rejects.toMatchObject({ code: 'BAD_USER_INPUT', field: 'inputs[1].type' });
  });

  it('returns the first job for a repeated idempotency key', async () => {
    const jg = client();
    const idempotencyKey = randomUUID();
    const [a, b] = await Promise.all([
      jg.submit(echo, { n: 1 }, { idempotencyKey }),
      jg.submit(echo, { n: 2 }, { idempotencyKey }),
    ]);
    const c = await jg.submit(echo, { n: 3 }, { idempotencyKey });
    expect(b.id).toBe(a.id);
    expect(c.id).toBe(a.id);
  });

  it('streams events across a dropped connection: each once, in order', async () => {
    const proxy = await startTcpProxy(stack.url);
    try {
      const jg = client(proxy.url);
      const job = await jg.submit(sleep, { ms: 3000 });
      const seen: JobEvent[] = [];
      for await (const event of jg.events({ jobId: job.id, after: '0-0' })) {
        seen.push(event);
        // A network fault in the middle: every connection through the proxy is cut.
        if (seen.length === 3) proxy.dropAll();
        if (event.type === 'COMPLETED') break;
      }
      // The stored log, once the aggregator has stored the last event too.
      const stored = await stack.waitFor(async () => {
        const r = await stack.gql<{ events: { id: string; type: string }[] }>(
          'query($id: ID!) { events(filter: { jobId: $id }, first: 100) { id type } }',
          { id: job.id },
        );
        const events = r.data?.events ?? [];
        return events.some((e) => e.type === 'COMPLETED') && events;
      });
      expect(seen.map((e) => e.id)).toEqual(stored.map((e) => e.id));
      expect(seen.filter((e) => e.type === 'PROGRESS')).toHaveLength(10);
      expect(proxy.connections).toBeGreaterThanOrEqual(3);
    } finally {
      await proxy.close();
    }
  }, 30_000);

  it('retries 503 and 429 answers, honouring Retry-After, and makes one job per submission', async () => {
    const proxy = await startHttpProxy(stack.url, (n) =>
      n < 3
        ? { kind: 'answer', status: 503 }
        : n < 5
          ? { kind: 'answer', status: 429, headers: { 'retry-after': '1' } }
          : { kind: 'forward' },
    );
    try {
      const jg = client(proxy.url, { backoffMs: 20 });
      const rows = await rowsOfTenant();
      const t0 = Date.now();
      const jobs = await Promise.all(Array.from({ length: 10 }, (_, i) => jg.submit(echo, { i })));
      expect(Date.now() - t0).toBeGreaterThanOrEqual(2000);
      expect(proxy.counts).toEqual({ answer: 5, forward: 1, dropReply: 0 });
      expect(new Set(jobs.map((j) => j.id)).size).toBe(10);
      expect(await rowsOfTenant()).toBe(rows + 10);
    } finally {
      await proxy.close();
    }
  });

  it('gives up after maxRetries with the last answer as a JobgateError', async () => {
    const proxy = await startHttpProxy(stack.url, () => ({ kind: 'answer', status: 503 }));
    try {
      const jg = createClient({ url: proxy.url, apiKey: key, maxRetries: 2, backoffMs: 5 });
      clients.push(jg);
      await expect(jg.submit(echo, {})).rejects.toMatchObject({
        code: 'BACKEND_UNAVAILABLE',
        status: 503,
      });
      expect(proxy.counts.answer).toBe(3);
    } finally {
      await proxy.close();
    }
  });

  it('cancels, retries and reports errors with their code', async () => {
    const jg = client();
    const job = await jg.submit(sleep, { ms: 60_000 });
    const cancelled = await jg.cancel(job.id, 'not needed');
    const done = await jg.wait(cancelled.id, { timeoutMs: 20_000 });
    expect(done.status).toBe('CANCELLED');
    const again = await jg.retry(job.id);
    expect(['QUEUED', 'RUNNING']).toContain(again.status);
    // The row turns QUEUED once the aggregator stores the retry's first event.
    await stack.waitFor(async () => (await jg.get(job.id))?.status !== 'CANCELLED');
    await jg.cancel(job.id);
    expect(await jg.wait(job.id, { timeoutMs: 20_000 })).toMatchObject({ status: 'CANCELLED' });
    await expect(jg.signal(randomUUID(), 'decide', {})).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    await expect(jg.wait(randomUUID())).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('times out a wait, and close() rejects the waits still pending', async () => {
    const jg = createClient({ url: stack.url, apiKey: key });
    const job = await jg.submit(sleep, { ms: 60_000 });
    await expect(jg.wait(job.id, { timeoutMs: 300 })).rejects.toMatchObject({ code: 'TIMEOUT' });
    const pending = jg.wait(job.id);
    await jg.close();
    await expect(pending).rejects.toMatchObject({ code: 'CLOSED' });
    await expect(jg.submit(echo, {})).rejects.toMatchObject({ code: 'CLOSED' });
    await client().cancel(job.id);
  });
});
