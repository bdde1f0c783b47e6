import {
  closeFlowJobs,
  failingKey,
  flowJobs,
  flowLeaf,
  flowLeafB,
  flowSum,
} from '../fixtures/flow-jobs';
import { startLaneStack } from '../fixtures/lane-stack';
import type { LaneStack } from '../fixtures/lane-stack';
import {
  at,
  chain,
  flowJob,
  footprint,
  submitFlow,
  treeIds,
  waitForFlowJob,
} from '../helpers/flows';
import type { Node } from '../helpers/flows';

/** Flows on the BULLMQ lane: BullMQ's FlowProducer, across two queues. */
describe('submitFlow on BULLMQ', () => {
  let stack: LaneStack;
  const leaf = (n: number, extra: Record<string, unknown> = {}): Node => ({
    job: { type: flowLeaf.name, backend: 'BULLMQ', input: { n, ...extra } },
  });
  const leafB = (n: number): Node => ({
    job: { type: flowLeafB.name, backend: 'BULLMQ', input: { n } },
  });
  const sum = (n: number, children: Node[], extra: Record<string, unknown> = {}): Node => ({
    job: { type: flowSum.name, backend: 'BULLMQ', input: { n, ...extra } },
    children,
  });

  beforeAll(async () => {
    stack = await startLaneStack({ jobs: flowJobs });
  });
  afterAll(async () => {
    await stack.close();
    closeFlowJobs();
  });

  it('runs a three-level tree children first, and each parent sees every child outcome', async () => {
    const root = await submitFlow(
      stack,
      sum(1, [sum(10, [leaf(100, { ms: 300 }), leafB(200)]), leaf(1000)]),
    );
    expect(root.status).toBe('WAITING');
    expect(root.backend).toBe('BULLMQ');
    const done = await waitForFlowJob(stack, root.id, ['SUCCEEDED', 'FAILED']);
    expect(done.status).toBe('SUCCEEDED');
    expect(done.result.sum).toBe(1311);
    const ids = await treeIds(stack, root.id);
    expect(ids).toHaveLength(5);
    const jobs = new Map(
      await Promise.all(
        ids.map(async (id) => [id, await waitForFlowJob(stack, id, ['SUCCEEDED'])] as const),
      ),
    );
    // Every parent started after each of its children completed (event timestamps).
    for (const j of jobs.values()) {
      for (const c of j.children) {
        expect(at(j, 'STARTED')).toBeGreaterThanOrEqual(at(jobs.get(c.id)!, 'COMPLETED'));
        expect(jobs.get(c.id)!.parent?.id).toBe(j.id);
      }
    }
    // The root read both children: the middle parent's sum and the leaf's n.
    const mid = done.children.find((c) => jobs.get(c.id)!.type === flowSum.name)!;
    expect(done.result.children).toEqual(
      expect.arrayContaining([
        { id: mid.id, type: flowSum.name, status: 'SUCCEEDED', result: jobs.get(mid.id)!.result },
        expect.objectContaining({ type: flowLeaf.name, status: 'SUCCEEDED', result: { n: 1000 } }),
      ]),
    );
    expect(done.result.children).toHaveLength(2);
    // The middle parent showed how many children were left.
    const midJob = jobs.get(mid.id)!;
    expect(midJob.events.find((e) => e.type === 'QUEUED')?.message).toBe('waiting for 2 children');
    expect(
      midJob.events.some(
        (e) => e.type === 'WAITING' && e.message === 'waiting for 1 of 2 children',
      ),
    ).toBe(true);
    // jobs(filter: { parentId }) lists the children.
    const listed = await stack.gql<any>(
      'query($p: ID!) { jobs(filter: { parentId: $p }) { edges { node { id } } } }',
      { p: root.id },
    );
    expect(listed.data.jobs.edges.map((e: any) => e.node.id).sort()).toEqual(
      done.children.map((c) => c.id).sort(),
    );
  });

  it('FAIL_PARENT: the parent ends FAILED without running, naming the child', async () => {
    const prefix = stack.prefix;
    await stack.redis.sadd(failingKey(prefix), 'fp');
    const root = await submitFlow(stack, sum(1, [leaf(2, { failKey: 'fp', prefix }), leaf(3)]));
    const failed = await waitForFlowJob(stack, root.id, ['FAILED', 'SUCCEEDED']);
    expect(failed.status).toBe('FAILED');
    const bad = (await Promise.all(failed.children.map((c) => flowJob(stack, c.id)))).find(
      (c) => c!.status === 'FAILED',
    )!;
    expect(failed.error).toBe(`child ${bad.id} (${flowLeaf.name}) failed: leaf 2 was told to fail`);
    expect(failed.events.some((e) => e.type === 'STARTED')).toBe(false);
  });

  it('IGNORE: the parent runs anyway and sees the failed child', async () => {
    const prefix = stack.prefix;
    await stack.redis.sadd(failingKey(prefix), 'ig');
    const root = await submitFlow(
      stack,
      sum(1, [{ ...leaf(2, { failKey: 'ig', prefix }), onFailure: 'IGNORE' }, leaf(3)]),
    );
    const done = await waitForFlowJob(stack, root.id, ['FAILED', 'SUCCEEDED']);
    expect(done.status).toBe('SUCCEEDED');
    expect(done.result.sum).toBe(4);
    expect(done.result.children).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: flowLeaf.name, status: 'FAILED', result: null }),
        expect.objectContaining({ type: flowLeaf.name, status: 'SUCCEEDED', result: { n: 3 } }),
      ]),
    );
  });

  it('cancelling a parent mid-flow cancels its unfinished children', async () => {
    const root = await submitFlow(
      stack,
      sum(1, [sum(2, [leaf(3, { ms: 20_000 })]), leaf(4, { ms: 20_000 }), leaf(5)]),
    );
    const ids = await treeIds(stack, root.id);
    // Wait until the long leaves run.
    await stack.waitFor(
      async () => {
        const js = await Promise.all(ids.map((id) => flowJob(stack, id)));
        return js.filter((j) => j!.status === 'RUNNING').length === 2;
      },
      20_000,
      'two leaves running',
    );
    const r = await stack.gql<any>(
      'mutation($id: ID!) { cancelJob(id: $id, reason: "stop the flow") { id status } }',
      { id: root.id },
    );
    expect(r.errors).toBeUndefined();
    const end = await Promise.all(
      ids.map((id) => waitForFlowJob(stack, id, ['CANCELLED', 'SUCCEEDED', 'FAILED'])),
    );
    const byId = new Map(end.map((j) => [j.id, j]));
    expect(byId.get(root.id)!.status).toBe('CANCELLED');
    // The quick leaf may have finished before the cancel; every other node is CANCELLED.
    for (const j of end)
      if (!(j.type === flowLeaf.name && j.result?.n === 5)) expect(j.status).toBe('CANCELLED');
    expect(byId.get(root.id)!.events.some((e) => e.type === 'STARTED')).toBe(false);
  });

  it('retrying a failed child lets the parent go on once the child succeeds', async () => {
    const prefix = stack.prefix;
    await stack.redis.sadd(failingKey(prefix), 'rt');
    const root = await submitFlow(
      stack,
      sum(1, [sum(10, [leaf(2, { failKey: 'rt', prefix }), leaf(3)]), leaf(4)]),
    );
    await waitForFlowJob(stack, root.id, ['FAILED']);
    const ids = await treeIds(stack, root.id);
    const all = await Promise.all(
      ids.map((id) => waitForFlowJob(stack, id, ['FAILED', 'SUCCEEDED'])),
    );
    const bad = all.find((j) => j.type === flowLeaf.name && j.status === 'FAILED')!;
    const okBefore = all.filter((j) => j.status === 'SUCCEEDED');
    await stack.redis.srem(failingKey(prefix), 'rt');
    const r = await stack.gql<any>('mutation($id: ID!) { retryJob(id: $id) { id } }', {
      id: bad.id,
    });
    expect(r.errors).toBeUndefined();
    const done = await waitForFlowJob(stack, root.id, ['SUCCEEDED'], 30_000);
    expect(done.result.sum).toBe(20);
    // Children that had succeeded were not run again.
    for (const j of okBefore) {
      const now = (await flowJob(stack, j.id))!;
      expect(now.events.filter((e) => e.type === 'STARTED')).toHaveLength(1);
    }
  });

  it('refuses a tree over the limits, or with a bad input deep inside, and leaves nothing behind', async () => {
    await new Promise((r) => setTimeout(r, 1500));
    const before = await footprint(stack);
    const wide = sum(
      0,
      Array.from({ length: 1000 }, (_, i) => leaf(i)),
    );
    const tooWide = await stack.gql<any>(
      'mutation($root: FlowNodeInput!) { submitFlow(root: $root) { id } }',
      { root: wide },
    );
    expect(tooWide.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(tooWide.errors?.[0].message).toMatch(/more than 1000 nodes/);
    const deep = chain(
      11,
      { type: flowSum.name, backend: 'BULLMQ', input: { n: 1 } },
      { type: flowLeaf.name, backend: 'BULLMQ', input: { n: 1 } },
    );
    const tooDeep = await stack.gql<any>(
      'mutation($root: FlowNodeInput!) { submitFlow(root: $root) { id } }',
      { root: deep },
    );
    expect(tooDeep.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(tooDeep.errors?.[0].message).toMatch(/deeper than 10 levels/);
    const bad = sum(1, [
      leaf(2),
      sum(3, [leaf(4), { job: { type: flowLeaf.name, backend: 'BULLMQ', input: { n: 'five' } } }]),
    ]);
    const badInput = await stack.gql<any>(
      'mutation($root: FlowNodeInput!) { submitFlow(root: $root) { id } }',
      { root: bad },
    );
    expect(badInput.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(badInput.errors?.[0].message).toContain('root.children[1].children[1].job.input');
    await new Promise((r) => setTimeout(r, 500));
    expect(await footprint(stack)).toEqual(before);
    // At the limits exactly, a tree is accepted.
    const ok = await submitFlow(
      stack,
      chain(
        10,
        { type: flowSum.name, backend: 'BULLMQ', input: { n: 1 } },
        { type: flowLeaf.name, backend: 'BULLMQ', input: { n: 1 } },
      ),
    );
    expect((await waitForFlowJob(stack, ok.id, ['SUCCEEDED'])).result.sum).toBe(10);
  });

  it('keeps parent and children within the tenant', async () => {
    const a = await stack.createKey('flow-a', 'OPERATOR');
    const b = await stack.createKey('flow-b', 'OPERATOR');
    const root = await submitFlow(stack, sum(1, [leaf(2)]), a);
    const childId = root.children[0].id;
    expect((await flowJob(stack, childId, a))?.parent?.id).toBe(root.id);
    expect(await flowJob(stack, childId, b)).toBeNull();
    expect(await flowJob(stack, root.id, b)).toBeNull();
    const listed = await stack.gql<any>(
      'query($p: ID!) { jobs(filter: { parentId: $p }) { edges { node { id } } } }',
      { p: root.id },
      b,
    );
    expect(listed.data.jobs.edges).toEqual([]);
    // B's own flow shows only B's jobs.
    const mine = await submitFlow(stack, sum(1, [leaf(2)]), b);
    const seen = await stack.gql<any>(
      '{ jobs(first: 500) { edges { node { id parent { id } children { id } } } } }',
      undefined,
      b,
    );
    const nodes = seen.data.jobs.edges.map((e: any) => e.node);
    expect(nodes.map((n: any) => n.id).sort()).toEqual([mine.id, mine.children[0].id].sort());
    await waitForFlowJob(stack, root.id, ['SUCCEEDED']);
  });

  it('serves jobs { children { children { id } } } in a constant number of SQL statements', async () => {
    // The counter sees every statement of the process (the aggregator's too): the fewest of
    // three runs is the request's own.
    const once = async (): Promise<number> => {
      const before = stack.app.queries.count;
      const r = await stack.gql<any>(
        '{ jobs(first: 200) { edges { node { id parent { id } children { id children { id } } } } } }',
      );
      expect(r.errors).toBeUndefined();
      return stack.app.queries.count - before;
    };
    const count = async (): Promise<number> => Math.min(await once(), await once(), await once());
    await count();
    const small = await count();
    const roots = await Promise.all(
      Array.from({ length: 5 }, () =>
        submitFlow(stack, sum(1, [sum(2, [leaf(3), leaf(4)]), leaf(5)])),
      ),
    );
    for (const r of roots) await waitForFlowJob(stack, r.id, ['SUCCEEDED']);
    const big = await count();
    expect(big).toBe(small);
    expect(big).toBeLessThanOrEqual(5);
  });
});
