import { getJob, submit, waitForStatus } from '../helpers/ops';
import { startStack } from '../helpers/stack';
import type { Stack } from '../helpers/stack';

let stack: Stack;
let a: string;
let b: string;
let viewerA: string;
beforeAll(async () => {
  stack = await startStack();
  a = await stack.createKey('acme', 'OPERATOR');
  b = await stack.createKey('globex', 'OPERATOR');
  viewerA = await stack.createKey('acme', 'VIEWER');
});
afterAll(() => stack.close());

describe('authentication', () => {
  it('answers 401 UNAUTHENTICATED without a key and with a bad key', async () => {
    for (const key of [null, 'jg_not-a-key']) {
      const r = await stack.gql('{ me { tenant } }', {}, key);
      expect(r.status).toBe(401);
      expect(r.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    }
  });

  it('closes a WebSocket with 4401 for a bad key', async () => {
    const sub = stack.subscribe('subscription { jobEvents { id } }', {}, 'jg_wrong');
    await sub.done;
    expect((sub.errors[0] as { code?: number }).code).toBe(4401);
  });

  it('tells who the key is with me', async () => {
    const r = await stack.gql<{ me: { tenant: string; role: string; keyId: string } }>(
      '{ me { tenant role keyId } }',
      {},
      viewerA,
    );
    expect(r.data?.me).toMatchObject({ tenant: 'acme', role: 'VIEWER' });
    expect(r.data?.me.keyId).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('roles', () => {
  it('forbids a VIEWER to mutate', async () => {
    const r = await stack.gql(
      'mutation { submitJob(input: { type: "echo" }) { id } }',
      {},
      viewerA,
    );
    expect(r.errors?.[0].extensions?.code).toBe('FORBIDDEN');
  });

  it('forbids an OPERATOR to pause queues or create keys', async () => {
    const p = await stack.gql('mutation { pauseQueue(name: "default") { name } }', {}, a);
    expect(p.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const k = await stack.gql('mutation { createApiKey(tenant: "x", role: ADMIN) { id } }', {}, a);
    expect(k.errors?.[0].extensions?.code).toBe('FORBIDDEN');
  });

  it('creates keys shown once and stored hashed, and revokes them', async () => {
    const r = await stack.gql<{
      createApiKey: { id: string; secret: string; tenant: string; role: string };
    }>(
      'mutation { createApiKey(tenant: "initech", role: VIEWER) { id secret tenant role createdAt } }',
    );
    const { id, secret } = r.data!.createApiKey;
    expect(secret.length).toBeGreaterThanOrEqual(40);
    const stored = await stack.app.ds.query('SELECT key_hash FROM api_keys WHERE id = $1', [id]);
    expect(stored[0].key_hash).not.toContain(secret);
    expect(stored[0].key_hash).toMatch(/^[0-9a-f]{64}$/);
    expect((await stack.gql('{ me { tenant } }', {}, secret)).status).toBe(200);
    const rev = await stack.gql<{ revokeApiKey: boolean }>(
      'mutation($id: ID!) { revokeApiKey(id: $id) }',
      { id },
    );
    expect(rev.data?.revokeApiKey).toBe(true);
    expect((await stack.gql('{ me { tenant } }', {}, secret)).errors?.[0].extensions?.code).toBe(
      'UNAUTHENTICATED',
    );
    const bad = await stack.gql(
      'mutation { createApiKey(tenant: "no spaces allowed", role: VIEWER) { id } }',
    );
    expect(bad.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
  });
});

describe('tenant isolation', () => {
  it('never shows one tenant the jobs or events of another over HTTP', async () => {
    const mine = await submit(stack, { type: 'echo', input: 'acme-secret' }, a);
    await waitForStatus(stack, mine.id, ['SUCCEEDED']);
    expect(await getJob(stack, mine.id, b)).toBeNull();
    const list = await stack.gql<{
      jobs: { totalCount: number; edges: { node: { id: string } }[] };
    }>('{ jobs(first: 100) { totalCount edges { node { id } } } }', {}, b);
    expect(list.data!.jobs.edges.map((e) => e.node.id)).not.toContain(mine.id);
    const byId = await stack.gql<{ jobs: { totalCount: number } }>(
      'query($f: JobFilter) { jobs(filter: $f) { totalCount } }',
      { f: { ids: [mine.id] } },
      b,
    );
    expect(byId.data!.jobs.totalCount).toBe(0);
    const events = await stack.gql<{ events: unknown[] }>(
      'query($f: JobEventFilter) { events(filter: $f) { id } }',
      { f: { jobId: mine.id } },
      b,
    );
    expect(events.data!.events).toEqual([]);
    for (const m of [
      'cancelJob(id: $id) { id }',
      'retryJob(id: $id) { id }',
      'signalJob(id: $id, signal: "approve") { id }',
    ]) {
      const r = await stack.gql(`mutation($id: ID!) { ${m} }`, { id: mine.id }, b);
      expect(r.errors?.[0].extensions?.code).toBe('NOT_FOUND');
    }
    const viewerSees = await getJob(stack, mine.id, viewerA);
    expect(viewerSees?.id).toBe(mine.id);
  });

  it('never pushes one tenant the events of another over WebSocket', async () => {
    const subB = stack.subscribe<{ jobEvents: { jobId: string } }>(
      'subscription { jobEvents { id jobId type } }',
      {},
      b,
    );
    const subA = stack.subscribe<{ jobEvents: { jobId: string } }>(
      'subscription { jobEvents { id jobId type } }',
      {},
      a,
    );
    const updB = stack.subscribe(
      'subscription($id: ID!) { jobUpdated(id: $id) { id status } }',
      { id: 'x' },
      b,
    );
    await new Promise((r) => setTimeout(r, 300));
    const mine = await submit(stack, { type: 'echo' }, a);
    const theirs = await submit(stack, { type: 'echo' }, b);
    await stack.waitFor(
      async () =>
        subA.items.filter((i) => i.jobEvents.jobId === mine.id).length === 3 &&
        subB.items.filter((i) => i.jobEvents.jobId === theirs.id).length === 3,
    );
    expect(subB.items.map((i) => i.jobEvents.jobId)).not.toContain(mine.id);
    expect(subA.items.map((i) => i.jobEvents.jobId)).not.toContain(theirs.id);
    const upd = stack.subscribe(
      'subscription($id: ID!) { jobUpdated(id: $id) { id status } }',
      { id: mine.id },
      b,
    );
    await upd.done;
    expect((upd.errors[0] as { extensions?: { code?: string } }).extensions?.code).toBe(
      'NOT_FOUND',
    );
    subA.dispose();
    subB.dispose();
    updB.dispose();
  });
});
