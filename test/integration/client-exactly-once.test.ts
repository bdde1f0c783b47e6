import { randomUUID } from 'node:crypto';
import { createClient } from 'jobgate/client';
import type { Job } from 'jobgate/client';
import { echo } from '../../examples/jobs';
import { startHttpProxy } from '../helpers/proxies';
import type { HttpProxy } from '../helpers/proxies';
import { startStack } from '../helpers/stack';
import type { Stack } from '../helpers/stack';

let stack: Stack;
let proxy: HttpProxy;
const tenant = `once-${randomUUID().slice(0, 8)}`;

beforeAll(async () => {
  stack = await startStack();
  // A lost reply cannot be had from the real network on demand: a proxy in front of the
  // gateway forwards every request, and for every third one cuts the client's connection
  // once the gateway has answered.
  proxy = await startHttpProxy(stack.url, (n) =>
    n % 3 === 1 ? { kind: 'dropReply' } : { kind: 'forward' },
  );
}, 60_000);

afterAll(async () => {
  await proxy?.close();
  await stack?.close();
});

describe('the client through a network that loses replies', () => {
  it('makes exactly 1,000 jobs of 1,000 submissions, each caller getting its own', async () => {
    const key = await stack.createKey(tenant, 'OPERATOR');
    const jg = createClient({
      url: proxy.url,
      apiKey: key,
      batchSize: 10,
      backoffMs: 20,
      maxRetries: 10,
    });
    const CALLERS = 50;
    const EACH = 20;
    const t0 = Date.now();
    // 50 callers, each submitting 20 jobs one after the other, in batches of 10.
    const got: Job[][] = await Promise.all(
      Array.from({ length: CALLERS }, async (_, caller) => {
        const mine: Job[] = [];
        for (let n = 0; n < EACH; n++) mine.push(await jg.submit(echo, { caller, n }));
        return mine;
      }),
    );
    const ms = Date.now() - t0;
    await jg.close();
    got.forEach((mine, caller) =>
      mine.forEach((job, n) => expect(job.input).toEqual({ caller, n })),
    );
    const ids = new Set(got.flat().map((j) => j.id));
    expect(ids.size).toBe(CALLERS * EACH);
    const [{ n: rows }] = (await stack.app.ds.query(
      'SELECT count(*)::int AS n FROM jobs WHERE tenant = $1',
      [tenant],
    )) as { n: number }[];
    expect(rows).toBe(CALLERS * EACH);
    expect(proxy.counts.dropReply).toBeGreaterThan(20);
    process.stdout.write(
      `exactly-once: ${CALLERS * EACH} submissions in ${ms} ms, ${JSON.stringify(proxy.counts)} requests\n`,
    );
  }, 120_000);
});
