// Schedules of defineWorkflow types: a Temporal Schedule starts the user's workflow itself,
// and jobgate's workflow interceptor writes the run's row (QUEUED once) before STARTED. The
// examples' `saga` and `approval` are such types.
import { randomBytes } from 'node:crypto';
import { defineWorkflow } from 'jobgate';
import { sagaCompensate, sagaStep } from '../../../examples/activities';
import { exampleDefinitions } from '../../helpers/stack';
import { startTemporalStack } from '../../helpers/temporal-stack';
import type { TemporalStack } from '../../helpers/temporal-stack';
import { codeOf, fieldOf, upsertSchedule, waitForRuns } from '../../helpers/schedules';

let stack: TemporalStack;
const sid = (what: string): string => `${what}-${randomBytes(4).toString('hex')}`;
const CODE_SCHEDULE = sid('code-saga');

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
  schedules: [{ id: CODE_SCHEDULE, everyMs: 1000, input: { steps: ['tick'] } }],
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
  scheduleId: string | null;
  result: unknown;
  events: EventView[];
}

async function runDetail(id: string): Promise<RunDetail> {
  const r = await stack.gql<{ job: RunDetail }>(
    `query($id: ID!) { job(id: $id) { id type backend status scheduleId result
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
    await upsertSchedule(stack, {
      id,
      type: 'approval',
      input: { timeoutSeconds: 600 },
      cron: '0 3 1 1 *',
    });
    const paused = await stack.gql(
      'mutation($id: ID!) { pauseSchedule(id: $id, note: "manual only") { id } }',
      { id },
    );
    expect(paused.errors).toBeUndefined();
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
    // Paused, it started nothing else.
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
    expect(read.data?.schedule ?? null).toBeNull();
  });
});
