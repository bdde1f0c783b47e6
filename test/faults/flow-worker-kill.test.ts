import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { submitFlow, treeIds, waitForFlowJob } from '../helpers/flows';
import type { Node } from '../helpers/flows';
import {
  drill,
  duplicates,
  storedEvents,
  streamEvents,
  waitForStoreToCatchUp,
} from '../helpers/faults';
import { exited, startStack } from '../helpers/stack';
import type { Stack } from '../helpers/stack';
import { startTemporalStack } from '../helpers/temporal-stack';

const MODULE = join(__dirname, '..', 'fixtures', 'modules', 'flow-jobs.js');

/** A tree of 7 nodes whose leaves take `ms` each: parents sum what their children return. */
function tree(backend: string, runLog: string, ms: number): Node {
  const leaf = (n: number): Node => ({
    job: { type: 'drill.flow-leaf', backend, input: { n, ms, runLog } },
  });
  const sum = (n: number, children: Node[]): Node => ({
    job: { type: 'drill.flow-sum', backend, input: { n, runLog } },
    children,
  });
  return sum(1, [sum(10, [leaf(100), leaf(200)]), sum(20, [leaf(300), leaf(400)])]);
}

/**
 * Kills the worker process mid-flow, starts another, and checks the flow finished with no node
 * run twice to success and no event duplicated (same job, run, type, attempt, activity and message).
 */
async function killMidFlow(
  stack: Stack,
  backend: string,
  workerArgs: string[],
  env: NodeJS.ProcessEnv,
): Promise<void> {
  const prefix = stack.env.JOBGATE_PREFIX as string;
  const runLog = join(mkdtempSync(join(tmpdir(), 'jobgate-flow-drill-')), 'runs.log');
  const spawnWorker = (): ChildProcess =>
    stack.spawn(['worker', '--jobs', MODULE, ...workerArgs], env);
  const first = spawnWorker();
  // Types register when the worker starts; the flow is accepted once they are known.
  const root = await stack.waitFor(
    async () => submitFlow(stack, tree(backend, runLog, 3000)).catch(() => null),
    60_000,
    'the worker to register the drill types',
  );
  const ids = await treeIds(stack, root.id);
  await stack.waitFor(
    async () =>
      (await streamEvents(stack.redis, prefix)).filter(
        (e) => ids.includes(e.jobId) && e.type === 'STARTED',
      ).length >= 2,
    60_000,
    'leaves to be running',
  );
  first.kill('SIGKILL');
  await exited(first);
  const second = spawnWorker();
  try {
    const done = await waitForFlowJob(stack, root.id, ['SUCCEEDED', 'FAILED'], 120_000);
    expect(done.status).toBe('SUCCEEDED');
    expect(done.result).toEqual({ sum: 1031 });
    const runs = readFileSync(runLog, 'utf8').trim().split('\n');
    expect(runs.sort()).toEqual([...ids].sort());
    await waitForStoreToCatchUp(stack, prefix);
    const events = (await storedEvents(stack)).filter((e) => ids.includes(e.jobId));
    expect(duplicates(events.map((e) => e.id))).toEqual([]);
    const keys = events.map((e) =>
      [
        e.jobId,
        e.type,
        e.attempt ?? '',
        e.activityId ?? '',
        e.progress ?? '',
        e.message ?? '',
      ].join('|'),
    );
    expect(duplicates(keys)).toEqual([]);
    for (const id of ids) {
      const finals = events.filter(
        (e) => e.jobId === id && ['COMPLETED', 'FAILED', 'CANCELLED'].includes(e.type),
      );
      expect(finals.map((e) => e.type)).toEqual(['COMPLETED']);
    }
  } finally {
    second.kill('SIGTERM');
    await exited(second);
  }
}

drill('a worker killed with SIGKILL in the middle of a BULLMQ flow', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ bullmqWorker: false });
  });
  afterAll(() => stack.close());

  it('finishes once a worker is back: no node run twice to success, no event duplicated', async () => {
    await killMidFlow(stack, 'BULLMQ', ['--bullmq'], {
      WORKER_LOCK_MS: '4000',
      WORKER_STALLED_INTERVAL_MS: '2000',
    });
  }, 240_000);
});

drill('a worker killed with SIGKILL in the middle of a TEMPORAL flow', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startTemporalStack({ worker: false, bullmqWorker: false });
  });
  afterAll(() => stack.close());

  it('finishes once a worker is back: no node run twice to success, no event duplicated', async () => {
    await killMidFlow(stack, 'TEMPORAL', ['--temporal'], { LOG_LEVEL: 'warn' });
  }, 240_000);
});
