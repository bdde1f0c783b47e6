import {
  closeFlowJobs,
  failingKey,
  flowBadChildWf,
  flowJobs,
  flowLeaf,
  flowLeafB,
  flowParentWf,
  flowSum,
} from '../../fixtures/flow-jobs';
import { startLaneStack } from '../../fixtures/lane-stack';
import type { LaneStack } from '../../fixtures/lane-stack';
import {
  at,
  chain,
  flowJob,
  footprint,
  submitFlow,
  treeIds,
  waitForFlowJob,
} from '../../helpers/flows';
import type { Node } from '../../helpers/flows';

/** Flows on the TEMPORAL lane: child workflows of jobgate's flow workflow. */
describe('submitFlow on TEMPORAL', () => {
  let stack: LaneStack;
  const leaf = (n: number, extra: Record<string, unknown> = {}): Node => ({
    job: { type: flowLeaf.name, backend: 'TEMPORAL', input: { n, ...extra } },
  });
  const leafB = (n: number): Node => ({
    job: { type: flowLeafB.name, backend: 'TEMPORAL', input: { n } },
  });
  const sum = (n: number, children: Node[], extra: Record<string, unknown> = {}): Node => ({
    job: { type: flowSum.name, backend: 'TEMPORAL', input: { n, ...extra } },
    children,
  });
  const gqlSubmit = 'mutation($root: FlowNodeInput!) { submitFlow(root: $root) { id } }';

  beforeAll(async () => {
    stack = await startLaneStack({ jobs: flowJobs, temporal: true });
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
    expect(root.backend).toBe('TEMPORAL');
    const done = await waitForFlowJob(stack, root.id, ['SUCCEEDED', 'FAILED'], 60_000);
    expect(done.status).toBe('SUCCEEDED');
    expect(done.result.sum).toBe(1311);
    const ids = await treeIds(stack, root.id);
    expect(ids).toHaveLength(5);
    const jobs = new Map(
      await Promise.all(
        ids.map(async (id) => [id, await waitForFlowJob(stack, id, ['SUCCEEDED'])] as const),
      ),
    );
    for (const j of jobs.values()) {
      for (const c of j.children) {
        expect(at(j, 'STARTED')).toBeGreaterThanOrEqual(at(jobs.get(c.id)!, 'COMPLETED'));
        expect(jobs.get(c.id)!.parent?.id).toBe(j.id);
      }
    }
    const mid = done.children.find((c) => jobs.get(c.id)!.type === flowSum.name)!;
    expect(done.result.children).toEqual(
      expect.arrayContaining([
        { id: mid.id, type: flowSum.name, status: 'SUCCEEDED', result: jobs.get(mid.id)!.result },
        expect.objectContaining({ type: flowLeaf.name, status: 'SUCCEEDED', result: { n: 1000 } }),
      ]),
    );
    const midJob = jobs.get(mid.id)!;
    expect(midJob.events.find((e) => e.type === 'QUEUED')?.message).toBe('waiting for 2 children');
    expect(
      midJob.events.some(
        (e) => e.type === 'WAITING' && e.message === 'waiting for 1 of 2 children',
      ),
    ).toBe(true);
  });

  it('FAIL_PARENT: the parent ends FAILED without running, naming the child', async () => {
    await stack.redis.sadd(failingKey(stack.prefix), 'fp');
    const root = await submitFlow(
      stack,
      sum(1, [leaf(2, { failKey: 'fp', prefix: stack.prefix }), leaf(3)]),
    );
    const failed = await waitForFlowJob(stack, root.id, ['FAILED', 'SUCCEEDED'], 60_000);
    expect(failed.status).toBe('FAILED');
    const kids = await Promise.all(failed.children.map((c) => flowJob(stack, c.id)));
    const bad = kids.find((c) => c!.status === 'FAILED')!;
    expect(failed.error).toBe(`child ${bad.id} (${flowLeaf.name}) failed: leaf 2 was told to fail`);
    expect(failed.events.some((e) => e.type === 'STARTED')).toBe(false);
  });

  it('IGNORE: the parent runs anyway and sees the failed child', async () => {
    await stack.redis.sadd(failingKey(stack.prefix), 'ig');
    const root = await submitFlow(
      stack,
      sum(1, [
        { ...leaf(2, { failKey: 'ig', prefix: stack.prefix }), onFailure: 'IGNORE' },
        leaf(3),
      ]),
    );
    const done = await waitForFlowJob(stack, root.id, ['FAILED', 'SUCCEEDED'], 60_000);
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
      sum(1, [sum(2, [leaf(3, { ms: 20_000 })]), leaf(4, { ms: 20_000 })]),
    );
    const ids = await treeIds(stack, root.id);
    await stack.waitFor(
      async () => {
        const js = await Promise.all(ids.map((id) => flowJob(stack, id)));
        return js.filter((j) => j!.status === 'RUNNING').length === 2;
      },
      30_000,
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
    for (const j of end) expect(j.status).toBe('CANCELLED');
    expect(end.find((j) => j.id === root.id)!.error).toBe('stop the flow');
  });

  it('retrying a failed child lets the parent go on once the child succeeds', async () => {
    await stack.redis.sadd(failingKey(stack.prefix), 'rt');
    const root = await submitFlow(
      stack,
      sum(1, [sum(10, [leaf(2, { failKey: 'rt', prefix: stack.prefix }), leaf(3)]), leaf(4)]),
    );
    await waitForFlowJob(stack, root.id, ['FAILED'], 60_000);
    const ids = await treeIds(stack, root.id);
    const all = await Promise.all(
      ids.map((id) => waitForFlowJob(stack, id, ['FAILED', 'SUCCEEDED'])),
    );
    const bad = all.find((j) => j.type === flowLeaf.name && j.status === 'FAILED')!;
    const okBefore = all.filter((j) => j.status === 'SUCCEEDED');
    await stack.redis.srem(failingKey(stack.prefix), 'rt');
    const r = await stack.gql<any>('mutation($id: ID!) { retryJob(id: $id) { id } }', {
      id: bad.id,
    });
    expect(r.errors).toBeUndefined();
    const done = await waitForFlowJob(stack, root.id, ['SUCCEEDED'], 60_000);
    expect(done.result.sum).toBe(20);
    for (const j of okBefore) {
      const now = (await flowJob(stack, j.id))!;
      expect(now.events.filter((e) => e.type === 'STARTED')).toHaveLength(1);
    }
  });

  it('executeChild from a user workflow starts registered job types as child jobs', async () => {
    const wf = await stack.submit({ type: flowParentWf.name, input: { n: 5 } });
    const done = await waitForFlowJob(stack, wf.id, ['SUCCEEDED', 'FAILED'], 60_000);
    expect(done.status).toBe('SUCCEEDED');
    expect(done.result).toEqual({ results: [{ n: 5 }, { n: 6 }] });
    expect(done.children).toHaveLength(2);
    for (const c of done.children) {
      const child = await waitForFlowJob(stack, c.id, ['SUCCEEDED']);
      expect(child.parent?.id).toBe(wf.id);
      expect(child.events.map((e) => e.type)).toEqual(
        expect.arrayContaining(['QUEUED', 'STARTED', 'COMPLETED']),
      );
    }
    const types = await Promise.all(
      done.children.map(async (c) => (await flowJob(stack, c.id))!.type),
    );
    expect(types).toEqual([flowLeaf.name, flowLeafB.name]);
  });

  it('executeChild with an input the child type refuses fails the workflow and stores no child', async () => {
    const wf = await stack.submit({ type: flowBadChildWf.name, input: {} });
    const failed = await waitForFlowJob(stack, wf.id, ['FAILED', 'SUCCEEDED'], 60_000);
    expect(failed.status).toBe('FAILED');
    expect(failed.error).toMatch(/executeChild input/);
    expect(failed.children).toEqual([]);
  });

  it('refuses a mixed-lane tree, a tree over the limits, or a bad input deep inside, leaving nothing behind', async () => {
    await new Promise((r) => setTimeout(r, 1500));
    const before = await footprint(stack);
    const mixed = sum(1, [
      leaf(2),
      { job: { type: flowLeaf.name, backend: 'BULLMQ', input: { n: 3 } } },
    ]);
    const m = await stack.gql<any>(gqlSubmit, { root: mixed });
    expect(m.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(m.errors?.[0].message).toMatch(
      /^root\.children\[1\]\.job\.backend: a flow runs on one lane/,
    );
    const deep = chain(
      11,
      { type: flowSum.name, backend: 'TEMPORAL', input: { n: 1 } },
      { type: flowLeaf.name, backend: 'TEMPORAL', input: { n: 1 } },
    );
    const d = await stack.gql<any>(gqlSubmit, { root: deep });
    expect(d.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    const wide = sum(
      0,
      Array.from({ length: 1000 }, (_, i) => leaf(i)),
    );
    const w = await stack.gql<any>(gqlSubmit, { root: wide });
    expect(w.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    const bad = sum(1, [
      leaf(2),
      sum(3, [{ job: { type: flowLeaf.name, backend: 'TEMPORAL', input: { n: 1, extra: true } } }]),
    ]);
    const b = await stack.gql<any>(gqlSubmit, { root: bad });
    expect(b.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(b.errors?.[0].message).toContain('root.children[1].children[0].job.input');
    const parentWorkflow = {
      job: { type: flowParentWf.name, input: { n: 1 } },
      children: [leaf(1)],
    };
    const pw = await stack.gql<any>(gqlSubmit, { root: parentWorkflow });
    expect(pw.errors?.[0].message).toMatch(/is a workflow and cannot have children/);
    await new Promise((r) => setTimeout(r, 500));
    expect(await footprint(stack)).toEqual(before);
  });

  it('keeps parent and children within the tenant', async () => {
    const a = await stack.createKey('flow-ta', 'OPERATOR');
    const b = await stack.createKey('flow-tb', 'OPERATOR');
    const root = await submitFlow(stack, sum(1, [leaf(2)]), a);
    const childId = root.children[0].id;
    expect((await flowJob(stack, childId, a))?.parent?.id).toBe(root.id);
    expect(await flowJob(stack, childId, b)).toBeNull();
    const listed = await stack.gql<any>(
      'query($p: ID!) { jobs(filter: { parentId: $p }) { edges { node { id } } } }',
      { p: root.id },
      b,
    );
    expect(listed.data.jobs.edges).toEqual([]);
    const cancel = await stack.gql<any>(
      'mutation($id: ID!) { cancelJob(id: $id) { id } }',
      { id: root.id },
      b,
    );
    expect(cancel.errors?.[0].extensions?.code).toBe('NOT_FOUND');
    await waitForFlowJob(stack, root.id, ['SUCCEEDED'], 60_000);
  });

  it('serves jobs { children { children { id } } } in a constant number of SQL statements', async () => {
    const once = async (): Promise<number> => {
      const before = stack.app.queries.count;
      const r = await stack.gql<any>(
        '{ jobs(first: 200) { edges { node { id parent { id } children { id children { id } } } } } }',
      );
      expect(r.errors).toBeUndefined();
      return stack.app.queries.count - before;
    };
    const count = async (): Promise<number> => Math.min(await once(), await once(), await once());
    const small = await count();
    const roots = await Promise.all(
      Array.from({ length: 3 }, () => submitFlow(stack, sum(1, [sum(2, [leaf(3)]), leaf(5)]))),
    );
    for (const r of roots) await waitForFlowJob(stack, r.id, ['SUCCEEDED'], 60_000);
    expect(await count()).toBe(small);
  });
});
