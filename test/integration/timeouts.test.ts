import * as examples from '../../examples';
import { definitionsOf } from '../../src/sdk/load-modules';
import { startLaneStack } from '../fixtures/lane-stack';
import type { LaneStack } from '../fixtures/lane-stack';
import * as timeoutJobs from '../fixtures/timeout-jobs';

let stack: LaneStack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

const jobs = [...definitionsOf(examples), ...definitionsOf(timeoutJobs)];

/** Runs one job of `type` on `backend` to its end and checks it failed on its timeout, twice. */
async function expectTimedOutTwice(type: string, backend: 'BULLMQ' | 'TEMPORAL'): Promise<void> {
  stack = await startLaneStack({ jobs, temporal: backend === 'TEMPORAL' });
  const submittedAt = Date.now();
  const job = await stack.submit({ type, input: {}, backend });
  expect(job.backend).toBe(backend);
  const done = await stack.waitForStatus(job.id, ['SUCCEEDED', 'FAILED', 'CANCELLED'], 40_000);
  const tookMs = Date.now() - submittedAt;
  const types = done.events.map((e) => e.type);
  console.log(
    `${type} on ${backend}: ${done.status} after ${done.attempts} attempts in ${tookMs} ms: ${done.error}`,
  );

  expect(done.status).toBe('FAILED');
  expect(done.error).toContain('timed out');
  expect(done.error).not.toContain('stopped early');
  expect(done.attempts).toBe(2);
  expect(types).not.toContain('CANCELLED');
  // A RETRYING between the two attempts, and it says why.
  const retrying = done.events.filter((e) => e.type === 'RETRYING');
  expect(retrying).toHaveLength(1);
  expect(retrying[0].message).toContain('timed out');
  const startType = backend === 'BULLMQ' ? 'STARTED' : 'ACTIVITY_STARTED';
  const starts = types.flatMap((t, i) => (t === startType ? [i] : []));
  expect(starts).toHaveLength(2);
  const retryAt = types.indexOf('RETRYING');
  expect(retryAt).toBeGreaterThan(starts[0]);
  expect(retryAt).toBeLessThan(starts[1]);
  expect(types.at(-1)).toBe('FAILED');
  // Two attempts cut at 500 ms, not one attempt of the 20 s the job would take: an ignored
  // signal does not keep the attempt alive (the bound is loose, for a loaded machine).
  expect(tookMs).toBeLessThan(15_000);
}

describe('an attempt that passes timeoutMs', () => {
  it('fails as timed out on BULLMQ, retried once, when run ignores its signal', () =>
    expectTimedOutTwice(timeoutJobs.ignoresSignal.name, 'BULLMQ'));

  it(
    'fails as timed out on TEMPORAL, retried once, when run ignores its signal',
    () => expectTimedOutTwice(timeoutJobs.ignoresSignal.name, 'TEMPORAL'),
    90_000,
  );

  it('fails as timed out on BULLMQ when run stops with its own error as the signal aborts', () =>
    expectTimedOutTwice(timeoutJobs.honoursSignal.name, 'BULLMQ'));

  it(
    'fails as timed out on TEMPORAL when run stops with its own error as the signal aborts',
    () => expectTimedOutTwice(timeoutJobs.honoursSignal.name, 'TEMPORAL'),
    90_000,
  );
});
