import { defineJob, defineWorkflow } from '../../src/sdk';
import type { JobEvent } from '../../src/model/job-event';
import { startLaneStack } from '../fixtures/lane-stack';
import type { LaneStack } from '../fixtures/lane-stack';

// Per-key flow control, measured from the jobs' own events on the real engines: BullMQ on
// Redis and Temporal's dev server, each lane in turn.

const keyed = {
  type: 'object',
  properties: { acct: { type: 'string' }, n: { type: 'integer' }, ms: { type: 'integer' } },
  required: ['acct'],
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const run = async (input: { ms?: number; n?: number }) => {
  await sleep(input.ms ?? 0);
  return { n: input.n ?? null };
};

const defs = [
  defineJob({ name: 'fc.conc', input: keyed, concurrency: { key: 'input.acct', limit: 2 }, run }),
  defineJob({
    name: 'fc.rate',
    input: keyed,
    rateLimit: { key: 'input.acct', max: 3, perMs: 1000 },
    run,
  }),
  defineJob({ name: 'fc.debounce', input: keyed, debounce: { key: 'input.acct', ms: 700 }, run }),
  defineJob({
    name: 'fc.dedup',
    input: keyed,
    deduplicate: { key: 'input.acct', ttlMs: 60_000 },
    run,
  }),
];

/** A user workflow limited per key: its admission runs in jobgate's workflow interceptor. */
const keyedWorkflow = defineWorkflow({
  name: 'fc.conc-wf',
  input: keyed,
  workflowsPath: require.resolve('../fixtures/flow-control-workflows'),
  workflowName: 'keyedSleepWorkflow',
  concurrency: { key: 'input.acct', limit: 1 },
});

/** The most jobs of `ids` running at once, from their STARTED and final events. */
function peakOverlap(events: JobEvent[], ids: Set<string>): number {
  const marks: [number, number][] = [];
  for (const e of events) {
    if (!ids.has(e.jobId)) continue;
    const t = Date.parse(e.timestamp);
    if (e.type === 'STARTED') marks.push([t, 1]);
    if (e.type === 'COMPLETED' || e.type === 'FAILED') marks.push([t, -1]);
  }
  marks.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let now = 0;
  let peak = 0;
  for (const [, d] of marks) peak = Math.max(peak, (now += d));
  return peak;
}

const startsOf = (events: JobEvent[], ids: Set<string>): number[] =>
  events
    .filter((e) => e.type === 'STARTED' && ids.has(e.jobId))
    .map((e) => Date.parse(e.timestamp))
    .sort((a, b) => a - b);

describe.each(['BULLMQ', 'TEMPORAL'])('per-key flow control on %s', (backend) => {
  let s: LaneStack;
  beforeAll(async () => {
    s = await startLaneStack({
      jobs: backend === 'TEMPORAL' ? [...defs, keyedWorkflow] : defs,
      temporal: backend === 'TEMPORAL',
      env: { WORKER_CONCURRENCY: '10' },
    });
  }, 120_000);
  afterAll(() => s?.close());

  const submitAll = (type: string, inputs: Record<string, unknown>[]) =>
    Promise.all(inputs.map((input) => s.submit({ type, input, backend })));
  const settle = (ids: string[], statuses = ['SUCCEEDED']) =>
    Promise.all(ids.map((id) => s.waitForStatus(id, statuses, 60_000)));

  it('runs at most `limit` jobs of one key at once, and other keys beside them', async () => {
    const a = await submitAll(
      'fc.conc',
      Array.from({ length: 8 }, () => ({ acct: 'a', ms: 300 })),
    );
    const b = await submitAll(
      'fc.conc',
      Array.from({ length: 4 }, () => ({ acct: 'b', ms: 300 })),
    );
    await settle([...a, ...b].map((j) => j.id));
    const events = await s.busEvents();
    const aIds = new Set(a.map((j) => j.id));
    const bIds = new Set(b.map((j) => j.id));
    expect(peakOverlap(events, aIds)).toBe(2);
    expect(peakOverlap(events, bIds)).toBe(2);
    // Per key, not per type: both keys ran at once.
    expect(peakOverlap(events, new Set([...aIds, ...bIds]))).toBeGreaterThan(2);
    // Each job started once: waiting for a slot is no attempt.
    for (const j of await Promise.all(a.map((x) => s.job(x.id)))) expect(j?.attempts).toBe(1);
  }, 90_000);

  it('starts at most `max` jobs of one key per window, and other keys at once', async () => {
    const a = await submitAll(
      'fc.rate',
      Array.from({ length: 9 }, (_, n) => ({ acct: 'a', n })),
    );
    const b = await submitAll(
      'fc.rate',
      Array.from({ length: 3 }, (_, n) => ({ acct: 'b', n })),
    );
    await settle([...a, ...b].map((j) => j.id));
    const events = await s.busEvents();
    const starts = startsOf(events, new Set(a.map((j) => j.id)));
    expect(starts).toHaveLength(9);
    // Any 3 + 1 starts of key a span the window, less the spread between the gate's admission
    // (Redis time) and the STARTED event (on TEMPORAL, a workflow task later).
    for (let i = 3; i < starts.length; i++)
      expect(starts[i] - starts[i - 3]).toBeGreaterThanOrEqual(900);
    const bStarts = startsOf(events, new Set(b.map((j) => j.id)));
    expect(bStarts[2] - starts[0]).toBeLessThan(1000);
  }, 90_000);

  it('debounces: a later job of the key replaces the waiting one, which ends CANCELLED unrun', async () => {
    const first = await s.submit({ type: 'fc.debounce', input: { acct: 'a', n: 1 }, backend });
    expect(first.status).toBe('DELAYED');
    await sleep(150);
    const second = await s.submit({ type: 'fc.debounce', input: { acct: 'a', n: 2 }, backend });
    await sleep(150);
    const third = await s.submit({ type: 'fc.debounce', input: { acct: 'a', n: 3 }, backend });
    const other = await s.submit({ type: 'fc.debounce', input: { acct: 'b', n: 9 }, backend });
    const [j1, j2] = await settle([first.id, second.id], ['CANCELLED']);
    expect(j1.error ?? j1.events.at(-1)?.message).toMatch(/debounced: replaced by job/);
    expect(j2.events.some((e) => e.type === 'STARTED')).toBe(false);
    const [j3, jb] = await settle([third.id, other.id]);
    expect(j3.result).toEqual({ n: 3 });
    expect(jb.result).toEqual({ n: 9 });
    // It waited its debounce time after the last submission.
    expect(
      Date.parse(String(j3.startedAt)) - Date.parse(String(third.createdAt)),
    ).toBeGreaterThanOrEqual(650);
  }, 60_000);

  it('deduplicates: a submission of a key already accepted returns that job', async () => {
    const one = await s.submit({ type: 'fc.dedup', input: { acct: 'a', n: 1 }, backend });
    const two = await s.submit({ type: 'fc.dedup', input: { acct: 'a', n: 2 }, backend });
    const other = await s.submit({ type: 'fc.dedup', input: { acct: 'b', n: 3 }, backend });
    expect(two.id).toBe(one.id);
    expect(other.id).not.toBe(one.id);
    const [done] = await settle([one.id, other.id]);
    expect(done.result).toEqual({ n: 1 });
    // Within the TTL, even after it finished.
    const three = await s.submit({ type: 'fc.dedup', input: { acct: 'a', n: 4 }, backend });
    expect(three.id).toBe(one.id);
    // Another tenant's job of the same key is its own.
    const key = await s.createKey(`other-${backend.toLowerCase()}`, 'OPERATOR');
    const r = await s.gql<{ submitJob: { id: string } }>(
      'mutation($i: SubmitJobInput!) { submitJob(input: $i) { id } }',
      { i: { type: 'fc.dedup', input: { acct: 'a', n: 5 }, backend } },
      key,
    );
    expect(r.data?.submitJob.id).toBeDefined();
    expect(r.data?.submitJob.id).not.toBe(one.id);
  }, 60_000);

  it('gives a slot back when a job holding it is cancelled or terminated', async () => {
    const [x, y] = await submitAll('fc.conc', [
      { acct: 'held', ms: 60_000 },
      { acct: 'held', ms: 60_000 },
    ]);
    await Promise.all([x, y].map((j) => s.waitForStatus(j.id, ['RUNNING'], 30_000)));
    const third = await s.submit({ type: 'fc.conc', input: { acct: 'held', ms: 0 }, backend });
    await sleep(1000);
    expect((await s.job(third.id))?.status).toBe('QUEUED');
    const end = backend === 'TEMPORAL' ? 'terminateJob' : 'cancelJob';
    const r = await s.gql<any>(`mutation($id: ID!) { ${end}(id: $id, reason: "done") { id } }`, {
      id: x.id,
    });
    expect(r.errors).toBeUndefined();
    await s.waitForStatus(third.id, ['SUCCEEDED'], 15_000);
    await s.gql(`mutation($id: ID!) { ${end}(id: $id, reason: "done") { id } }`, { id: y.id });
  }, 60_000);

  if (backend === 'TEMPORAL')
    it('limits a user workflow per key too', async () => {
      const a = await submitAll(
        'fc.conc-wf',
        [1, 2, 3].map((n) => ({ acct: 'w', ms: 400, n })),
      );
      const b = await submitAll('fc.conc-wf', [{ acct: 'v', ms: 400, n: 4 }]);
      const done = await settle([...a, ...b].map((j) => j.id));
      expect(done.map((j) => j.result)).toEqual([1, 2, 3, 4].map((n) => ({ n })));
      const events = await s.busEvents();
      const ids = new Set(a.map((j) => j.id));
      expect(peakOverlap(events, ids)).toBe(1);
      expect(peakOverlap(events, new Set([...ids, b[0].id]))).toBe(2);
    }, 60_000);

  it('shows the options on the type and the key on the run', async () => {
    const r = await s.gql<any>(`{ jobTypes { name flowControl {
      concurrency { key limit } rateLimit { key max perMs } debounce { key ms } deduplicate { key ttlMs } } } }`);
    const byName = Object.fromEntries(r.data.jobTypes.map((t: any) => [t.name, t.flowControl]));
    expect(byName['fc.conc'].concurrency).toEqual({ key: 'input.acct', limit: 2 });
    expect(byName['fc.rate'].rateLimit).toEqual({ key: 'input.acct', max: 3, perMs: 1000 });
    expect(byName['fc.debounce'].debounce).toEqual({ key: 'input.acct', ms: 700 });
    expect(byName['fc.dedup'].deduplicate).toEqual({ key: 'input.acct', ttlMs: 60000 });
    const job = await s.submit({ type: 'fc.conc', input: { acct: 'acct-7' }, backend });
    const q = await s.gql<any>(
      'query($id: ID!) { job(id: $id) { flowKeys { option path value } } }',
      {
        id: job.id,
      },
    );
    expect(q.data.job.flowKeys).toEqual([
      { option: 'concurrency', path: 'input.acct', value: 'acct-7' },
    ]);
  });

  it('refuses a debounced or deduplicated type as a flow node, and limits a keyed one', async () => {
    const r = await s.gql<any>('mutation($r: FlowNodeInput!) { submitFlow(root: $r) { id } }', {
      r: {
        job: { type: 'fc.conc', input: { acct: 'f' }, backend },
        children: [{ job: { type: 'fc.dedup', input: { acct: 'f' }, backend } }],
      },
    });
    expect(r.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(r.errors?.[0].message).toMatch(/deduplicate, which a flow node cannot have/);
    const ok = await s.gql<any>(
      'mutation($r: FlowNodeInput!) { submitFlow(root: $r) { id children { id } } }',
      {
        r: {
          job: { type: 'fc.conc', input: { acct: 'f' }, backend },
          children: [1, 2, 3, 4].map(() => ({
            job: { type: 'fc.conc', input: { acct: 'f', ms: 300 }, backend },
          })),
        },
      },
    );
    expect(ok.errors).toBeUndefined();
    await s.waitForStatus(ok.data.submitFlow.id, ['SUCCEEDED'], 30_000);
    const children = new Set<string>(ok.data.submitFlow.children.map((c: { id: string }) => c.id));
    expect(children.size).toBe(4);
    expect(peakOverlap(await s.busEvents(), children)).toBe(2);
  }, 60_000);

  it('refuses an input without the key, naming the path', async () => {
    const r = await s.gql<any>('mutation($i: SubmitJobInput!) { submitJob(input: $i) { id } }', {
      i: { type: 'fc.conc', input: { n: 1 }, backend },
    });
    expect(r.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
  });
});
