import * as examples from '../../examples';
import { definitionsOf } from '../../src/sdk/load-modules';
import { startLaneStack } from '../fixtures/lane-stack';
import type { LaneStack } from '../fixtures/lane-stack';
import * as badJobs from '../fixtures/bad-jobs';
import { SUBMIT } from '../helpers/ops';
import { exited, startStack } from '../helpers/stack';
import type { Stack } from '../helpers/stack';

const jobs = [...definitionsOf(examples), ...definitionsOf(badJobs)];

interface Case {
  type: string;
  /** The job's input. @defaultValue none */
  input?: unknown;
  /** What the error must say. */
  says: RegExp;
  /** Attempts it ends after, of the type's `maxAttempts`. */
  attempts: number;
  maxAttempts: number;
}

const cases: Case[] = [
  // A non-Error is a failure like any other: retried up to maxAttempts (2).
  {
    type: badJobs.throwsString.name,
    says: /non-Error.*a plain string, not an Error/,
    attempts: 2,
    maxAttempts: 2,
  },
  // What can never be stored is not retried, whatever maxAttempts (3) says.
  { type: badJobs.returnsFunction.name, says: /not JSON/, attempts: 1, maxAttempts: 3 },
  { type: badJobs.returnsBigInt.name, says: /not JSON/, attempts: 1, maxAttempts: 3 },
  {
    type: badJobs.returnsHuge.name,
    says: /2097154 bytes.*the limit is 1048576/,
    attempts: 1,
    maxAttempts: 3,
  },
  // An input the gateway accepts (its JSON Schema has no refinements) and the worker's zod
  // check refuses: it can never pass, so it is not retried either.
  {
    type: badJobs.refinedRange.name,
    input: { from: 5, to: 1 },
    says: /^input\.to: must be greater than from$/,
    attempts: 1,
    maxAttempts: 3,
  },
];

describe.each(['BULLMQ', 'TEMPORAL'] as const)('a run that misbehaves on %s', (backend) => {
  let stack: LaneStack;
  beforeAll(async () => {
    stack = await startLaneStack({ jobs, temporal: backend === 'TEMPORAL' });
  });
  afterAll(() => stack.close());

  it.each(cases)(
    '$type fails with a message that says which, after $attempts of $maxAttempts attempt(s), and the worker stays up',
    async ({ type, input, says, attempts, maxAttempts }) => {
      const job = await stack.submit({ type, input, backend });
      const done = await stack.waitForStatus(job.id, ['SUCCEEDED', 'FAILED', 'CANCELLED'], 40_000);
      console.log(
        `${type} on ${backend}: ${done.status}, ${done.attempts} attempt(s): ${done.error}`,
      );
      expect(done.status).toBe('FAILED');
      expect(done.error).toMatch(says);
      expect(done.attempts).toBe(attempts);
      expect(done.maxAttempts).toBe(maxAttempts);
      const retries = done.events.filter((e) => e.type === 'RETRYING');
      expect(retries).toHaveLength(attempts - 1);
      expect(done.events.at(-1)?.type).toBe('FAILED');

      const echo = await stack.submit({ type: 'echo', input: { after: type }, backend });
      const ok = await stack.waitForStatus(echo.id, ['SUCCEEDED', 'FAILED'], 30_000);
      expect({ status: ok.status, result: ok.result }).toEqual({
        status: 'SUCCEEDED',
        result: { after: type },
      });
    },
    60_000,
  );

  it('runs the refined type when its input passes the refinement too', async () => {
    const job = await stack.submit({
      type: badJobs.refinedRange.name,
      input: { from: 1, to: 5 },
      backend,
    });
    const done = await stack.waitForStatus(job.id, ['SUCCEEDED', 'FAILED', 'CANCELLED'], 30_000);
    expect(done).toMatchObject({ status: 'SUCCEEDED', attempts: 1, result: { span: 4 } });
  });
});

describe('a job type the gateway cannot run now', () => {
  let stack: Stack | undefined;
  afterEach(async () => {
    await stack?.close();
    stack = undefined;
  });

  it('answers BAD_USER_INPUT for a type never registered, listing the known types', async () => {
    stack = await startStack({ jobs, bullmqWorker: false });
    const r = await stack.gql(SUBMIT, { input: { type: 'never.registered', input: {} } });
    expect(r.data?.submitJob ?? null).toBeNull();
    expect(r.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    const message = r.errors![0].message;
    expect(message).toContain("unknown job type 'never.registered'");
    for (const known of ['echo', 'sleep', badJobs.returnsHuge.name])
      expect(message).toContain(known);
    const rows = await stack.app.ds.query('SELECT count(*)::int AS n FROM jobs');
    expect(rows[0].n).toBe(0);
  });

  it('accepts a registered type with no live worker, keeps it QUEUED, and runs it once a worker starts', async () => {
    // The examples are registered, but no worker serves them.
    stack = await startStack({ bullmqWorker: false });
    const s = stack;
    const types = await s.gql<{ jobTypes: { name: string; workers: number }[] }>(
      '{ jobTypes { name workers } }',
    );
    expect(types.data!.jobTypes.find((t) => t.name === 'echo')).toEqual({
      name: 'echo',
      workers: 0,
    });
    const r = await s.gql<{ submitJob: { id: string; status: string } }>(SUBMIT, {
      input: { type: 'echo', input: { waited: true }, backend: 'BULLMQ' },
    });
    expect(r.errors).toBeUndefined();
    const id = r.data!.submitJob.id;
    expect(r.data!.submitJob.status).toBe('QUEUED');
    await new Promise((res) => setTimeout(res, 2000));
    const still = await s.gql<{ job: { status: string; attempts: number } }>(
      'query($id: ID!) { job(id: $id) { status attempts } }',
      { id },
    );
    expect(still.data!.job).toEqual({ status: 'QUEUED', attempts: 0 });

    const worker = s.spawn(['worker', '--bullmq']);
    const startedAt = Date.now();
    try {
      const done = await s.waitFor(
        async () => {
          const j = await s.gql<{ job: { status: string; result: unknown } }>(
            'query($id: ID!) { job(id: $id) { status result } }',
            { id },
          );
          return j.data?.job.status === 'SUCCEEDED' ? j.data.job : null;
        },
        30_000,
        'the waiting job to succeed',
      );
      console.log(`queued echo ran ${Date.now() - startedAt} ms after its worker was spawned`);
      expect(done.result).toEqual({ waited: true });
    } finally {
      worker.kill('SIGTERM');
      await exited(worker);
    }
  }, 60_000);
});
