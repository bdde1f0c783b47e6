// Schedules of defineWorkflow types: a Temporal Schedule starts the user's workflow itself,
// and jobgate's workflow interceptor writes the run's row (QUEUED once) before STARTED. The
// examples' `saga` and `approval` are such types.
import { randomBytes } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { defineWorkflow } from 'jobgate';
import { resolveDefinitions } from '../../../src/sdk/resolve';
import { testTemporalAddress } from '../../helpers/temporal-server';
import { sagaCompensate, sagaStep } from '../../../examples/activities';
import { exampleDefinitions } from '../../helpers/stack';
import { startTemporalStack } from '../../helpers/temporal-stack';
import type { TemporalStack } from '../../helpers/temporal-stack';
import { codeOf, fieldOf, upsertSchedule, waitForRuns } from '../../helpers/schedules';

let stack: TemporalStack;
const sid = (what: string): string => `${what}-${randomBytes(4).toString('hex')}`;
const DECLARED_SCHEDULE = sid('code-saga');
/** Stored under the code namespace. */
const CODE_SCHEDULE = `code.${DECLARED_SCHEDULE}`;

/** The examples' saga under another name, with a schedule declared next to it in code. */
const tickingSaga = defineWorkflow({
  name: 'saga.ticking',
  input: {
    type: 'object',
    properties: { steps: { type: 'array', items: { type: 'string' } } },
    required: ['steps'],
  },
  workflowsPath: require.resolve('../../../examples/workflows'),
  workflowName: 'saga',
  activities: { sagaStep, sagaCompensate },
  schedules: [{ id: DECLARED_SCHEDULE, everyMs: 1000, input: { steps: ['tick'] } }],
});

beforeAll(async () => {
  stack = await startTemporalStack({ jobs: [...exampleDefinitions, tickingSaga] });
}, 120_000);
afterAll(async () => {
  await stack?.close();
});

interface EventView {
  type: string;
  message: string | null;
  meta: Record<string, unknown> | null;
}
interface RunDetail {
  id: string;
  type: string;
  backend: string;
  status: string;
  priority: string;
  scheduleId: string | null;
  result: unknown;
  events: EventView[];
}

async function runDetail(id: string): Promise<RunDetail> {
  const r = await stack.gql<{ job: RunDetail }>(
    `query($id: ID!) { job(id: $id) { id type backend status priority scheduleId result
       events(first: 50) { type message meta } } }`,
    { id },
  );
  if (!r.data?.job) throw new Error(`job ${id}: ${JSON.stringify(r.errors)}`);
  return r.data.job;
}

const remove = (id: string): Promise<unknown> =>
  stack.gql('mutation($id: ID!) { deleteSchedule(id: $id) }', { id });

describe('schedules of workflow types (defineWorkflow)', () => {
  it('routes to TEMPORAL and runs the workflow on time; each run is a job with its events, QUEUED once', async () => {
    const id = sid('saga-every');
    const s = await upsertSchedule(stack, {
      id,
      type: 'saga',
      input: { steps: ['reserve', 'ship'], stepMs: 0 },
      everyMs: 1000,
      priority: 'HIGH',
    });
    expect(s).toMatchObject({ id, type: 'saga', backend: 'TEMPORAL' });
    const runs = await waitForRuns(stack, id, 2, 30_000);
    await remove(id);
    for (const run of runs.filter((r) => r.finishedAt).slice(0, 2)) {
      const job = await runDetail(run.id);
      expect(job).toMatchObject({
        type: 'saga',
        backend: 'TEMPORAL',
        status: 'SUCCEEDED',
        priority: 'HIGH',
        scheduleId: id,
      });
      const types = job.events.map((e) => e.type);
      expect(types.filter((t) => t === 'QUEUED')).toHaveLength(1);
      expect(types.indexOf('QUEUED')).toBeLessThan(types.indexOf('STARTED'));
      expect(types[types.length - 1]).toBe('COMPLETED');
      // The saga's own steps are the job's activities; the row's bookkeeping is not among them.
      const activities = job.events
        .filter((e) => e.type === 'ACTIVITY_STARTED')
        .map((e) => e.meta?.activityType);
      expect(activities).toEqual(['sagaStep', 'sagaStep']);
    }
  }, 60_000);

  it('trigger starts one run of a paused workflow schedule, which takes signals like any job', async () => {
    const id = sid('approval-trigger');
    // Due every second, but created paused: only the trigger starts a run.
    const created = await upsertSchedule(stack, {
      id,
      type: 'approval',
      input: { timeoutSeconds: 600 },
      everyMs: 1000,
      paused: true,
    });
    expect(created.paused).toBe(true);
    const t = await stack.gql<{ triggerSchedule: { id: string; status: string } }>(
      'mutation($id: ID!) { triggerSchedule(id: $id) { id status } }',
      { id },
    );
    const jobId = t.data?.triggerSchedule.id;
    expect(jobId).toBeDefined();
    await stack.waitFor(
      async () => (await runDetail(jobId!)).events.some((e) => e.type === 'STARTED'),
      20_000,
      'the triggered approval to start',
    );
    const bad = await stack.gql(
      'mutation($id: ID!, $p: JSON) { signalJob(id: $id, signal: "approve", payload: $p) { id } }',
      { id: jobId, p: { comment: 'no by' } },
    );
    expect(codeOf(bad)).toBe('BAD_USER_INPUT');
    const ok = await stack.gql(
      'mutation($id: ID!, $p: JSON) { signalJob(id: $id, signal: "approve", payload: $p) { id } }',
      { id: jobId, p: { by: 'ops' } },
    );
    expect(ok.errors).toBeUndefined();
    const done = await stack.waitFor(
      async () => {
        const j = await runDetail(jobId!);
        return j.status === 'SUCCEEDED' ? j : null;
      },
      20_000,
      'the approval to succeed',
    );
    expect(done.scheduleId).toBe(id);
    const types = done.events.map((e) => e.type);
    // The gateway and the workflow's first step both write the row: QUEUED stays one.
    expect(types.filter((x) => x === 'QUEUED')).toHaveLength(1);
    expect(types).toContain('SIGNALED');
    // Paused, it started nothing else, though runs were due every second meanwhile.
    await new Promise((r) => setTimeout(r, 3000));
    const all = await waitForRuns(stack, id, 1, 5_000);
    expect(all.map((r) => r.id)).toEqual([jobId]);
    await remove(id);
  }, 60_000);

  it('runs a schedule declared in code with defineWorkflow, on TEMPORAL', async () => {
    const runs = await waitForRuns(stack, CODE_SCHEDULE, 1, 30_000);
    const r = await stack.gql<{ schedule: { type: string; backend: string; everyMs: number } }>(
      'query($id: ID!) { schedule(id: $id) { type backend everyMs } }',
      { id: CODE_SCHEDULE },
    );
    await remove(CODE_SCHEDULE);
    expect(r.data?.schedule).toEqual({ type: 'saga.ticking', backend: 'TEMPORAL', everyMs: 1000 });
    const job = await runDetail(runs.find((x) => x.finishedAt)!.id);
    expect(job).toMatchObject({
      type: 'saga.ticking',
      status: 'SUCCEEDED',
      scheduleId: CODE_SCHEDULE,
    });
    expect(job.events.filter((e) => e.type === 'QUEUED')).toHaveLength(1);
  }, 60_000);

  describe('a new version of the scheduled type', () => {
    let connection: Connection;
    let client: Client;
    beforeAll(async () => {
      connection = await Connection.connect({ address: testTemporalAddress() });
      client = new Client({ connection });
    });
    afterAll(() => connection.close());

    /** The examples' saga as `saga.versioned`, with its own execution timeout. */
    const register = (timeoutMs: number): Promise<void> =>
      stack.app.registry.register(
        resolveDefinitions([
          defineWorkflow({
            name: 'saga.versioned',
            input: { type: 'object', properties: { steps: { type: 'array' } } },
            timeoutMs,
            workflowsPath: require.resolve('../../../examples/workflows'),
            workflowName: 'saga',
            activities: { sagaStep, sagaCompensate },
          }),
        ]).types,
      );
    const described = async (id: string) => {
      const d = await client.schedule.getHandle(`${stack.prefix}-${id}`).describe();
      const action = d.action as { workflowExecutionTimeout?: number | string };
      return { timeoutMs: Number(action.workflowExecutionTimeout), paused: d.state.paused };
    };
    const hashOf = async (id: string): Promise<string> =>
      (await stack.app.ds.query('SELECT spec_hash FROM schedules WHERE id = $1', [id]))[0]
        .spec_hash;

    it('writes the Temporal Schedule again on the next upsert, and not without one', async () => {
      const id = sid('versioned');
      const spec = { id, type: 'saga.versioned', input: { steps: ['a'] }, cron: '0 3 1 1 *' };
      try {
        await register(60_000);
        await upsertSchedule(stack, spec);
        expect(await described(id)).toEqual({ timeoutMs: 60_000, paused: false });
        const before = await hashOf(id);
        // The same spec and the same version: the engine is left alone.
        await upsertSchedule(stack, spec);
        expect(await hashOf(id)).toBe(before);
        // A new version of the type: the same spec writes the Schedule again.
        await register(120_000);
        await upsertSchedule(stack, spec);
        expect(await described(id)).toEqual({ timeoutMs: 120_000, paused: false });
      } finally {
        await remove(id);
      }
    });

    it('keeps a pause set over the API when a worker declares the schedule with the new version', async () => {
      const declared = sid('code-paused');
      const id = `code.${declared}`;
      // What a worker does with a schedule declared in code (see compose/schedule-parts.ts).
      const fromCode = () =>
        stack.app.services.schedules.upsertCode({
          id: declared,
          type: 'saga.versioned',
          input: { steps: ['a'] },
          everyMs: 1000,
        });
      try {
        await register(60_000);
        await fromCode();
        const paused = await stack.gql(
          'mutation($id: ID!) { pauseSchedule(id: $id, note: "quiet week") { id } }',
          { id },
        );
        expect(paused.errors).toBeUndefined();
        await register(120_000);
        const saved = await fromCode();
        expect(saved).toMatchObject({ paused: true, note: 'quiet week' });
        expect(await described(id)).toEqual({ timeoutMs: 120_000, paused: true });
        const read = await stack.gql<{ schedule: { paused: boolean; note: string } }>(
          'query($id: ID!) { schedule(id: $id) { paused note } }',
          { id },
        );
        expect(read.data?.schedule).toEqual({ paused: true, note: 'quiet week' });
      } finally {
        await remove(id);
      }
    });
  });

  it('refuses BULLMQ for a workflow type, naming the field, and writes nothing', async () => {
    const id = sid('saga-bullmq');
    const r = await stack.gql('mutation($i: ScheduleInput!) { upsertSchedule(input: $i) { id } }', {
      i: { id, type: 'saga', input: { steps: ['a'] }, everyMs: 1000, backend: 'BULLMQ' },
    });
    expect(codeOf(r)).toBe('BAD_USER_INPUT');
    expect(fieldOf(r)).toBe('input.backend');
    expect(r.errors?.[0]?.message).toContain("'saga' is a workflow and runs on TEMPORAL only");
    const read = await stack.gql<{ schedule: unknown }>(
      'query($id: ID!) { schedule(id: $id) { id } }',
      {
        id,
      },
    );
    expect(read.errors).toBeUndefined();
    expect(read.data?.schedule).toBeNull();
  });
});
