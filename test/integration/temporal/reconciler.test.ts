import { randomBytes } from 'node:crypto';
import { FINAL, lossyEmitter } from '../../helpers/lossy-emitter';
import { startTemporalStack } from '../../helpers/temporal-stack';
import type { TemporalStack } from '../../helpers/temporal-stack';

/** Jobs whose final event the worker "loses". */
const losing = new Set<string>();
const lossy = lossyEmitter(losing);

let stack: TemporalStack;
let key: string;
beforeAll(async () => {
  stack = await startTemporalStack({
    workerEmitter: lossy,
    reconciler: { intervalMs: 300, graceMs: 1000 },
  });
  key = await stack.createKey(`r-${randomBytes(4).toString('hex')}`, 'OPERATOR');
});
afterAll(() => stack.close());

const finals = async (id: string): Promise<string[]> =>
  ((await stack.job(id, key))?.events ?? []).filter((e) => FINAL.has(e.type)).map((e) => e.type);

describe('Reconciler', () => {
  it('writes the lost COMPLETED of a closed workflow, with its result, exactly once', async () => {
    const job = await stack.submit({ type: 'sleep', input: { ms: 500 }, backend: 'TEMPORAL' }, key);
    losing.add(job.id);
    const done = await stack.waitForStatus(job.id, ['SUCCEEDED'], 30_000, key);
    expect(done.result).toEqual({ sleptMs: 500 });
    const completed = done.events.find((e) => e.type === 'COMPLETED');
    expect(completed?.meta).toMatchObject({ reconciled: true, result: { sleptMs: 500 } });
    await new Promise((r) => setTimeout(r, 1500));
    expect(await finals(job.id)).toEqual(['COMPLETED']);
  });

  it('writes the lost FAILED with the failure message', async () => {
    const job = await stack.submit(
      { type: 'fail', input: { message: 'lost and found' }, backend: 'TEMPORAL', maxAttempts: 1 },
      key,
    );
    losing.add(job.id);
    const done = await stack.waitForStatus(job.id, ['FAILED'], 30_000, key);
    expect(done.error).toBe('lost and found');
    expect(done.events.find((e) => e.type === 'FAILED')?.meta).toMatchObject({ reconciled: true });
  });

  it('emits nothing for jobs whose own final event arrived, nor for running ones', async () => {
    const ok = await stack.submit({ type: 'echo', input: 1, backend: 'TEMPORAL' }, key);
    await stack.waitForStatus(ok.id, ['SUCCEEDED'], 30_000, key);
    const running = await stack.submit({ type: 'approval', input: {} }, key);
    await stack.waitForStatus(running.id, ['WAITING'], 30_000, key);
    await new Promise((r) => setTimeout(r, 1500));
    expect(await finals(ok.id)).toEqual(['COMPLETED']);
    expect(
      (await stack.job(ok.id, key))?.events.find((e) => e.type === 'COMPLETED')?.meta?.reconciled,
    ).toBeUndefined();
    expect(await finals(running.id)).toEqual([]);
  });
});
