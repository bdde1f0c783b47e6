import { join } from 'node:path';
import { exited, startStack } from '../helpers/stack';
import type { Stack } from '../helpers/stack';
import { testTemporalAddress } from '../helpers/temporal-server';

/**
 * A worker counts, and is listed, only for the types it serves: those whose queue it works
 * on a lane that can run them. `jobgate worker` processes of test/fixtures/modules/serving.js
 * start one after another, each with other lanes and queues.
 */

const MODULE = join(__dirname, '..', 'fixtures', 'modules', 'serving.js');
const TYPES = ['serving.a-flow', 'serving.a-job', 'serving.b-job', 'serving.w-flow'];

interface WorkerView {
  pid: number;
  status: string;
  lanes: string[];
  queues: string[];
  jobTypes: string[];
  outdatedJobTypes: string[];
  concurrency: number;
}

let stack: Stack;

beforeAll(async () => {
  // No worker in this process: only the spawned ones serve the module's types.
  stack = await startStack({ bullmqWorker: false, jobs: [] });
});
afterAll(() => stack.close());

/** `JobTypeInfo.workers` of the module's types, by name; a type not registered yet is absent. */
async function typeCounts(): Promise<Record<string, number>> {
  const r = await stack.gql<{ jobTypes: { name: string; workers: number }[] }>(
    '{ jobTypes { name workers } }',
  );
  if (!r.data) throw new Error(JSON.stringify(r.errors));
  return Object.fromEntries(
    r.data.jobTypes.filter((t) => TYPES.includes(t.name)).map((t) => [t.name, t.workers]),
  );
}

async function workerOf(pid: number): Promise<WorkerView | undefined> {
  const r = await stack.gql<{ workers: WorkerView[] }>(
    '{ workers { pid status lanes queues jobTypes outdatedJobTypes concurrency } }',
  );
  if (!r.data) throw new Error(JSON.stringify(r.errors));
  return r.data.workers.find((w) => w.pid === pid);
}

/**
 * Runs `jobgate worker --jobs serving.js` with `args` until it heartbeats and the gateway
 * knows every type of the module; returns what `jobTypes` and `workers` then say, after the
 * worker stopped cleanly (and no longer counts).
 */
async function serve(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ counts: Record<string, number>; worker: WorkerView }> {
  const child = stack.spawn(['worker', '--jobs', MODULE, ...args], env);
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  try {
    await stack.waitFor(
      async () =>
        (await workerOf(child.pid!))?.status === 'ACTIVE' &&
        Object.keys(await typeCounts()).length === TYPES.length,
      60_000,
      `worker ${args.join(' ')} to be ACTIVE with its types registered`,
    );
    const seen = { counts: await typeCounts(), worker: (await workerOf(child.pid!))! };
    child.kill('SIGTERM');
    expect(await exited(child)).toBe(0);
    expect(await typeCounts()).toEqual(Object.fromEntries(TYPES.map((t) => [t, 0])));
    return seen;
  } catch (err) {
    child.kill('SIGKILL');
    throw new Error(`${(err as Error).message}\nworker stderr:\n${stderr}`);
  }
}

describe('what a worker serves', () => {
  it('on BULLMQ alone: the processor types of every queue, no workflow type', async () => {
    const { counts, worker } = await serve(['--bullmq']);
    expect(counts).toEqual({
      'serving.a-flow': 0,
      'serving.a-job': 1,
      // Its default lane is TEMPORAL, but a submission may pick BULLMQ, which this worker runs.
      'serving.b-job': 1,
      'serving.w-flow': 0,
    });
    expect(worker).toMatchObject({
      lanes: ['BULLMQ'],
      queues: ['serving-a', 'serving-b'],
      jobTypes: ['serving.a-job', 'serving.b-job'],
      outdatedJobTypes: [],
      concurrency: 3 + 2,
    });
  }, 120_000);

  it('on BULLMQ with --queues=serving-a: only the processor of that queue', async () => {
    const { counts, worker } = await serve(['--queues=serving-a', '--bullmq']);
    expect(counts).toEqual({
      // On a served queue, but a workflow runs only on TEMPORAL.
      'serving.a-flow': 0,
      'serving.a-job': 1,
      // A queue this worker does not work on.
      'serving.b-job': 0,
      'serving.w-flow': 0,
    });
    expect(worker).toMatchObject({
      lanes: ['BULLMQ'],
      queues: ['serving-a'],
      jobTypes: ['serving.a-job'],
      outdatedJobTypes: [],
      concurrency: 3,
    });
  }, 120_000);

  it('on both lanes with --queues=serving-a: its processor and its workflow, with the slots of both lanes', async () => {
    const { counts, worker } = await serve(['--queues=serving-a'], {
      TEMPORAL_ENABLED: 'true',
      TEMPORAL_ADDRESS: testTemporalAddress(),
    });
    expect(counts).toEqual({
      'serving.a-flow': 1,
      'serving.a-job': 1,
      'serving.b-job': 0,
      'serving.w-flow': 0,
    });
    expect(worker).toMatchObject({
      lanes: ['BULLMQ', 'TEMPORAL'],
      queues: ['serving-a'],
      jobTypes: ['serving.a-flow', 'serving.a-job'],
      outdatedJobTypes: [],
      // serving-a's 3 slots on BullMQ and 3 activity slots on its Temporal task queue.
      concurrency: 3 + 3,
    });
  }, 120_000);
});
