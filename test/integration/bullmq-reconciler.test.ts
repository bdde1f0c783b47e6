import { randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';
import { bullPrefix } from '../../src/lanes/bullmq/bullmq-job-data';
import { FINAL, lossyEmitter } from '../helpers/lossy-emitter';
import { getJob, submit as submitJob, waitForStatus } from '../helpers/ops';
import { startStack } from '../helpers/stack';
import type { Stack } from '../helpers/stack';

/** Jobs whose final event the worker "loses". */
const losing = new Set<string>();
const lossy = lossyEmitter(losing);

let stack: Stack;
let key: string;
beforeAll(async () => {
  stack = await startStack({
    workerEmitter: lossy,
    env: { RECONCILE_AFTER_MS: '1000', RELAY_INTERVAL_MS: '300' },
  });
  key = await stack.createKey(`rb-${randomBytes(4).toString('hex')}`, 'OPERATOR');
});
afterAll(() => stack.close());

const finals = async (id: string): Promise<{ type: string; meta?: unknown }[]> =>
  ((await getJob(stack, id, key))?.events ?? []).filter((e) => FINAL.has(e.type));

const submit = async (input: Record<string, unknown>): Promise<string> =>
  (await submitJob(stack, input, key)).id;

describe('BullMQ reconciler', () => {
  it('writes the COMPLETED a worker never emitted, with its result, exactly once', async () => {
    const id = await submit({ type: 'echo', input: { n: 7 }, backend: 'BULLMQ' });
    losing.add(id);
    const done = await waitForStatus(stack, id, ['SUCCEEDED'], 20_000);
    expect(done.result).toEqual({ n: 7 });
    const [completed, ...more] = await finals(id);
    expect(more).toEqual([]);
    expect(completed.meta).toMatchObject({ reconciled: true, result: { n: 7 } });
    await new Promise((r) => setTimeout(r, 1500));
    expect((await finals(id)).length).toBe(1);
  });

  it('writes the lost FAILED with the failure message', async () => {
    const id = await submit({
      type: 'fail',
      input: { message: 'lost and found' },
      backend: 'BULLMQ',
      maxAttempts: 1,
    });
    losing.add(id);
    const done = await waitForStatus(stack, id, ['FAILED'], 20_000);
    expect(done.error).toBe('lost and found');
    expect((await finals(id)).map((e) => e.meta)).toEqual([
      expect.objectContaining({ reconciled: true }),
    ]);
  });

  it('leaves jobs alone whose own final event arrived, and running ones', async () => {
    const ok = await submit({ type: 'echo', input: 1, backend: 'BULLMQ' });
    const running = await submit({ type: 'sleep', input: { ms: 4000 }, backend: 'BULLMQ' });
    await waitForStatus(stack, ok, ['SUCCEEDED'], 20_000);
    await waitForStatus(stack, running, ['RUNNING'], 20_000);
    await new Promise((r) => setTimeout(r, 1500));
    const okFinals = await finals(ok);
    expect(okFinals.map((e) => e.type)).toEqual(['COMPLETED']);
    expect((okFinals[0].meta as { reconciled?: boolean } | null)?.reconciled).toBeUndefined();
    expect(await finals(running)).toEqual([]);
    await waitForStatus(stack, running, ['SUCCEEDED'], 20_000);
  });

  it('ends FAILED, saying why, a started job whose final event was lost and that BullMQ let go', async () => {
    // BullMQ keeps only the newest completed jobs (removeOnComplete): under load one can be
    // trimmed before the reconciler sees it. Here it is removed as soon as it completes.
    const queue = new Queue('default', {
      connection: stack.redis.duplicate(),
      prefix: bullPrefix(stack.config.JOBGATE_PREFIX),
    });
    try {
      const id = await submit({ type: 'echo', input: { n: 9 }, backend: 'BULLMQ' });
      losing.add(id);
      for (let i = 0; i < 400; i++) {
        const bj = await queue.getJob(id);
        if (bj && (await bj.getState()) === 'completed') {
          await bj.remove();
          break;
        }
        await new Promise((r) => setTimeout(r, 25));
      }
      expect(await queue.getJob(id)).toBeUndefined();
      const done = await waitForStatus(stack, id, ['FAILED'], 30_000);
      expect(done.error).toMatch(/no longer holds this job.*outcome is unknown/);
      expect((await finals(id)).map((e) => e.meta)).toEqual([
        expect.objectContaining({ reconciled: true, gone: true }),
      ]);
    } finally {
      await queue.close();
    }
  });
});
