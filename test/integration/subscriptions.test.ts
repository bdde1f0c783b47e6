import { submit, waitForStatus } from '../helpers/ops';
import { startStack } from '../helpers/stack';
import type { Stack } from '../helpers/stack';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack.close());

type Ev = { jobEvents: { id: string; jobId: string; type: string } };
const SUB =
  'subscription($after: ID, $f: JobEventFilter) { jobEvents(after: $after, filter: $f) { id jobId type progress } }';

describe('jobEvents', () => {
  it('resumes after a dropped subscription with exactly the events of events(after:), no gap and no duplicate, while jobs keep running', async () => {
    let running = true;
    const submitted: string[] = [];
    const producer = (async () => {
      while (running) {
        submitted.push((await submit(stack, { type: 'sleep', input: { ms: 50 } })).id);
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    const first = stack.subscribe<Ev>(SUB, {});
    await stack.waitFor(async () => first.items.length >= 30, 20_000, '30 live events');
    first.dispose();
    const seen = first.items.map((i) => i.jobEvents.id);
    const last = seen[seen.length - 1];
    // Events keep flowing while nobody listens.
    await new Promise((r) => setTimeout(r, 700));
    const second = stack.subscribe<Ev>(SUB, { after: last });
    await new Promise((r) => setTimeout(r, 700));
    running = false;
    await producer;
    await Promise.all(submitted.map((id) => waitForStatus(stack, id, ['SUCCEEDED'])));
    // Every event after `last` that the store holds, from the query API.
    const stored: string[] = [];
    let cursor = last;
    for (;;) {
      const r = await stack.gql<{ events: { id: string }[] }>(
        'query($a: ID) { events(first: 1000, after: $a) { id } }',
        { a: cursor },
      );
      if (!r.data!.events.length) break;
      stored.push(...r.data!.events.map((e) => e.id));
      cursor = stored[stored.length - 1];
    }
    await stack.waitFor(
      async () => second.items.length >= stored.length,
      20_000,
      'the resumed subscription to catch up',
    );
    second.dispose();
    const resumed = second.items.map((i) => i.jobEvents.id);
    expect(resumed).toEqual(stored);
    expect(new Set([...seen, ...resumed]).size).toBe(seen.length + resumed.length);
    expect(stored.length).toBeGreaterThan(20);
  });

  it('filters by job and type', async () => {
    const job = await submit(stack, { type: 'sleep', input: { ms: 100 } });
    const sub = stack.subscribe<Ev>(SUB, {
      f: { jobId: job.id, types: ['PROGRESS'] },
      after: '0-0',
    });
    await stack.waitFor(async () => sub.items.length === 10);
    expect(
      sub.items.every((i) => i.jobEvents.jobId === job.id && i.jobEvents.type === 'PROGRESS'),
    ).toBe(true);
    sub.dispose();
  });

  it('answers BAD_USER_INPUT for a malformed cursor', async () => {
    const sub = stack.subscribe<Ev>(SUB, { after: 'yesterday' });
    await sub.done;
    expect((sub.errors[0] as { extensions?: { code?: string } }).extensions?.code).toBe(
      'BAD_USER_INPUT',
    );
  });
});

describe('jobUpdated', () => {
  it('pushes the job at each status and progress change until it finishes', async () => {
    const job = await submit(stack, { type: 'sleep', input: { ms: 300 } }, undefined);
    const sub = stack.subscribe<{ jobUpdated: { status: string; progress: number } }>(
      'subscription($id: ID!) { jobUpdated(id: $id) { id status progress } }',
      { id: job.id },
    );
    await stack.waitFor(
      async () => sub.items.at(-1)?.jobUpdated.status === 'SUCCEEDED',
      20_000,
      'SUCCEEDED',
    );
    sub.dispose();
    const seq = sub.items.map((i) => `${i.jobUpdated.status}:${i.jobUpdated.progress}`);
    expect(seq).toContain('RUNNING:50');
    expect(seq.at(-1)).toBe('SUCCEEDED:100');
    const progresses = sub.items.map((i) => i.jobUpdated.progress);
    expect([...progresses].sort((x, y) => x - y)).toEqual(progresses);
  });

  it('pushes the job as it stands first: a subscriber to a finished job gets its final state', async () => {
    const job = await submit(stack, { type: 'echo', input: { n: 1 } }, undefined);
    await waitForStatus(stack, job.id, ['SUCCEEDED']);
    const sub = stack.subscribe<{ jobUpdated: { status: string; progress: number } }>(
      'subscription($id: ID!) { jobUpdated(id: $id) { id status progress } }',
      { id: job.id },
    );
    await stack.waitFor(async () => sub.items.length > 0, 10_000, 'the first push');
    sub.dispose();
    expect(sub.items[0].jobUpdated).toEqual({ id: job.id, status: 'SUCCEEDED', progress: 100 });
    expect(sub.errors).toEqual([]);
  });
});

describe('the event hub', () => {
  it('refills the gap from the stream after its pub/sub connection is killed: subscribers miss nothing', async () => {
    const sub = stack.subscribe<Ev>(SUB, {});
    await new Promise((r) => setTimeout(r, 200));
    const name = `${stack.env.JOBGATE_PREFIX}-hub`;
    const ids: string[] = [];
    for (let round = 0; round < 3; round++) {
      const list = (await stack.redis.call('CLIENT', 'LIST', 'TYPE', 'pubsub')) as string;
      const line = list.split('\n').find((l) => l.includes(` name=${name} `));
      expect(line).toBeDefined();
      const id = /id=(\d+)/.exec(line!)![1];
      // Kill the hub's connection, then emit while it is down.
      await stack.redis.call('CLIENT', 'KILL', 'ID', id);
      const r = await stack.gql<{ submitJobs: { id: string }[] }>(
        'mutation($i: [SubmitJobInput!]!) { submitJobs(inputs: $i) { id } }',
        { i: Array.from({ length: 10 }, () => ({ type: 'echo' })) },
      );
      ids.push(...r.data!.submitJobs.map((j) => j.id));
      await new Promise((r2) => setTimeout(r2, 300));
    }
    await Promise.all(ids.map((id) => waitForStatus(stack, id, ['SUCCEEDED'])));
    await stack.waitFor(
      async () => ids.every((id) => sub.items.filter((i) => i.jobEvents.jobId === id).length === 3),
      20_000,
      'every event of 30 jobs pushed',
    );
    const pushed = sub.items.map((i) => i.jobEvents.id);
    expect(new Set(pushed).size).toBe(pushed.length);
    const sorted = [...pushed].sort((x, y) => {
      const [a1, a2] = x.split('-').map(Number);
      const [b1, b2] = y.split('-').map(Number);
      return a1 - b1 || a2 - b2;
    });
    expect(pushed).toEqual(sorted);
    sub.dispose();
  });
});

describe('identical live subscriptions', () => {
  it('share one execution per event, and each subscriber still gets every event of its own tenant only', async () => {
    const acme = await stack.createKey('acme-fan', 'VIEWER');
    const globex = await stack.createKey('globex-fan', 'VIEWER');
    const acmeOp = await stack.createKey('acme-fan', 'OPERATOR');
    const q = 'subscription { jobEvents { id jobId type } }';
    const before = stack.app.gateway!.subscriptionGroups;
    const subs = Array.from({ length: 20 }, () => stack.subscribe<Ev>(q, {}, acme));
    const other = stack.subscribe<Ev>(q, {}, globex);
    await stack.waitFor(async () => stack.app.gateway!.openSubscriptions >= 21);
    await new Promise((r) => setTimeout(r, 200));
    // 20 acme subscribers in one group, globex in another.
    expect(stack.app.gateway!.subscriptionGroups - before).toBe(2);
    const job = await submit(stack, { type: 'echo' }, acmeOp);
    await stack.waitFor(
      async () =>
        subs.every((s) => s.items.filter((i) => i.jobEvents.jobId === job.id).length === 3),
      20_000,
      'every subscriber to get 3 events',
    );
    const ids = subs[0].items.map((i) => i.jobEvents.id);
    for (const s of subs) expect(s.items.map((i) => i.jobEvents.id)).toEqual(ids);
    expect(other.items.some((i) => i.jobEvents.jobId === job.id)).toBe(false);
    for (const s of subs) s.dispose();
    other.dispose();
    await stack.waitFor(
      async () => stack.app.gateway!.subscriptionGroups === before,
      5000,
      'groups to close',
    );
  });
});
