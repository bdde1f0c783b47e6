import { randomBytes } from 'node:crypto';
import { startTemporalStack } from '../../helpers/temporal-stack';
import type { JobView, TemporalStack } from '../../helpers/temporal-stack';

let stack: TemporalStack;
let key: string;
beforeAll(async () => {
  stack = await startTemporalStack();
  key = await stack.createKey(`b-${randomBytes(4).toString('hex')}`, 'OPERATOR');
});
afterAll(() => stack.close());

/** The most items in flight at once, replayed from ACTIVITY_STARTED / ACTIVITY_COMPLETED / ACTIVITY_FAILED. */
function peakConcurrency(j: JobView): number {
  let now = 0;
  let peak = 0;
  for (const e of j.events) {
    if (e.type === 'ACTIVITY_STARTED') peak = Math.max(peak, ++now);
    if (e.type === 'ACTIVITY_COMPLETED' || e.type === 'ACTIVITY_FAILED') now--;
  }
  return peak;
}

describe('batch', () => {
  it('processes every item with at most `concurrency` at once, PROGRESS as each finishes', async () => {
    const items = Array.from({ length: 7 }, () => ({ ms: 300 }));
    const job = await stack.submit({ type: 'batch', input: { items, concurrency: 3 } }, key);
    const done = await stack.waitForStatus(job.id, ['SUCCEEDED'], 30_000, key);
    expect(done.result).toEqual({ processed: 7 });
    const progress = done.events.filter((e) => e.type === 'PROGRESS');
    expect(progress.map((e) => e.meta?.processed)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(progress.at(-1)?.progress).toBe(100);
    expect(peakConcurrency(done)).toBe(3);
    expect(done.progress).toBe(100);
  });

  it('fails when an item fails after its retries, naming the item', async () => {
    const items = [{}, {}, { fail: 'bad record' }, {}];
    const job = await stack.submit(
      { type: 'batch', input: { items, concurrency: 1 }, maxAttempts: 2 },
      key,
    );
    const done = await stack.waitForStatus(job.id, ['FAILED'], 30_000, key);
    expect(done.error).toBe('batch item 2 failed: bad record; 2 of 4 processed');
    expect(done.events.filter((e) => e.type === 'RETRYING').map((e) => e.attempt)).toEqual([1]);
    // Item 3 never starts once item 2 has failed.
    expect(
      done.events.filter((e) => e.type === 'ACTIVITY_STARTED').map((e) => e.activityId),
    ).toEqual(['item-0', 'item-1', 'item-2', 'item-2']);
  });

  it('completes an empty batch at once', async () => {
    const job = await stack.submit({ type: 'batch', input: { items: [] } }, key);
    const done = await stack.waitForStatus(job.id, ['SUCCEEDED'], 30_000, key);
    expect(done.result).toEqual({ processed: 0 });
  });
});
