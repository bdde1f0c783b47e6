import { randomBytes } from 'node:crypto';
import type { BusEmitter } from '../../src/bus/event-emitter';
import type { JobEvent, NewJobEvent } from '../../src/model/job-event';
import { getJob, submit as submitJob, waitForStatus } from '../helpers/ops';
import { startStack } from '../helpers/stack';
import type { Stack } from '../helpers/stack';

const FINAL = new Set(['COMPLETED', 'FAILED', 'CANCELLED']);
/** Jobs whose final event the worker "loses", as when BullMQ's reply to it is lost. */
const losing = new Set<string>();

/**
 * A lost reply cannot be had on demand from a real Redis, so this emitter stands in for a
 * worker that never heard BullMQ's answer to its moveToFinished: it drops the final events of
 * the jobs in `losing` and passes everything else to the real emitter. BullMQ itself still
 * moves the job to completed or failed, as it does when only the reply is lost.
 */
function lossy(real: BusEmitter): BusEmitter {
  const drop = (e: NewJobEvent): boolean => FINAL.has(e.type) && losing.has(e.jobId);
  return Object.assign(Object.create(real) as BusEmitter, {
    emitOne: async (e: NewJobEvent): Promise<JobEvent> =>
      drop(e) ? { ...e, id: '0-0', timestamp: new Date().toISOString() } : real.emitOne(e),
  });
}

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
});
