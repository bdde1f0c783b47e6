import pino from 'pino';
import { Backend } from '../../src/model/enums';
import { TypeRegistry } from '../../src/registry/type-registry';
import type { VersionedRegistration } from '../../src/store/job-type-store';
import { REDIS_URL, startStack } from '../helpers/stack';
import type { Stack } from '../helpers/stack';

let stack: Stack;
const opened: TypeRegistry[] = [];
const log = pino({ level: 'silent' });

beforeAll(async () => {
  stack = await startStack({ bullmqWorker: false });
});
afterAll(async () => {
  await Promise.all(opened.map((r) => r.close()));
  await stack.close();
});

/** Another process's view of the same registry: its own cache and subscriber connection. */
async function openRegistry(): Promise<TypeRegistry> {
  const r = await TypeRegistry.open({
    ds: stack.app.ds,
    redis: stack.redis,
    redisUrl: REDIS_URL,
    prefix: stack.config.JOBGATE_PREFIX,
    log,
    safetyRefreshMs: 0,
  });
  opened.push(r);
  return r;
}

let seq = 0;
const typeName = (what: string): string => `${what}-${process.pid}-${++seq}`;

function registration(
  name: string,
  version: string,
  over: Partial<VersionedRegistration> = {},
): VersionedRegistration {
  return {
    name,
    version,
    description: `the ${name} type`,
    defaultBackend: Backend.BULLMQ,
    queue: 'reg-test',
    inputSchema: { type: 'object', properties: { n: { type: 'integer' } } },
    maxAttempts: 2,
    backoffMs: 100,
    timeoutMs: 12_345,
    signals: ['approve'],
    signalSchemas: { approve: { type: 'object' } },
    queries: ['status', 'step'],
    workflowOnly: false,
    workflowName: null,
    sensitiveFields: [],
    ...over,
  };
}

interface TypeView {
  name: string;
  version: string;
  workers: number;
  timeoutMs: number;
  queries: string[];
  signals: string[];
  registeredAt: string;
  maxAttempts: number;
}

async function jobTypes(): Promise<Map<string, TypeView>> {
  const r = await stack.gql<{ jobTypes: TypeView[] }>(
    '{ jobTypes { name version workers timeoutMs queries signals registeredAt maxAttempts } }',
  );
  if (!r.data) throw new Error(JSON.stringify(r.errors));
  return new Map(r.data.jobTypes.map((t) => [t.name, t]));
}

describe('register', () => {
  it('lists a registered type in jobTypes with version, timeoutMs, queries and registeredAt', async () => {
    const name = typeName('report');
    const before = Date.now();
    await stack.app.registry.register([registration(name, 'v1')]);
    const t = (await jobTypes()).get(name);
    expect(t).toMatchObject({
      name,
      version: 'v1',
      workers: 0,
      timeoutMs: 12_345,
      queries: ['status', 'step'],
      signals: ['approve'],
      maxAttempts: 2,
    });
    expect(Date.parse(t!.registeredAt)).toBeGreaterThanOrEqual(before - 1000);
    expect(Date.parse(t!.registeredAt)).toBeLessThanOrEqual(Date.now() + 1000);
  });

  it('shows a timeout past the range of Int (30 days) as the largest Int', async () => {
    const name = typeName('month');
    await stack.app.registry.register([registration(name, 'v1', { timeoutMs: 30 * 86_400_000 })]);
    expect((await jobTypes()).get(name)?.timeoutMs).toBe(2 ** 31 - 1);
    expect(stack.app.registry.find(name)?.timeoutMs).toBe(30 * 86_400_000);
  });

  it("reaches another process's cache within a second", async () => {
    const other = await openRegistry();
    const name = typeName('fresh');
    expect(other.find(name)).toBeUndefined();
    const start = Date.now();
    await stack.app.registry.register([registration(name, 'v1')]);
    await stack.waitFor(async () => other.find(name), 1000, `${name} in the other cache`);
    expect(Date.now() - start).toBeLessThan(1000);
    expect(other.find(name)?.version).toBe('v1');
    expect(other.queues()).toContain('reg-test');
  });

  it('replaces the current definition with a new version and keeps both in the history', async () => {
    const other = await openRegistry();
    const name = typeName('rollout');
    await stack.app.registry.register([registration(name, 'v1')]);
    const first = (await jobTypes()).get(name)!;
    await new Promise((r) => setTimeout(r, 20));
    await stack.app.registry.register([registration(name, 'v2', { timeoutMs: 999 })]);
    const second = (await jobTypes()).get(name)!;
    expect(second).toMatchObject({ version: 'v2', timeoutMs: 999 });
    expect(Date.parse(second.registeredAt)).toBeGreaterThan(Date.parse(first.registeredAt));
    const history = await stack.app.registry.history(name);
    expect(history.map((h) => h.version)).toEqual(['v1', 'v2']);
    await stack.waitFor(async () => other.find(name)?.version === 'v2', 1000, 'v2 elsewhere');
  });

  it('changes nothing when the current version registers again', async () => {
    const name = typeName('same');
    await stack.app.registry.register([registration(name, 'v1')]);
    const [row1] = await stack.app.ds.query(
      'SELECT registered_at, updated_at FROM job_types WHERE name = $1',
      [name],
    );
    await stack.app.registry.register([registration(name, 'v1')]);
    const [row2] = await stack.app.ds.query(
      'SELECT registered_at, updated_at FROM job_types WHERE name = $1',
      [name],
    );
    expect(row2).toEqual(row1);
    expect(await stack.app.registry.history(name)).toHaveLength(1);
  });

  it('leaves one row per type when five processes register the same types at once', async () => {
    const registries = await Promise.all([1, 2, 3, 4, 5].map(() => openRegistry()));
    const names = [typeName('a'), typeName('b'), typeName('c')];
    await Promise.all(
      registries.map((r, i) =>
        // Each in its own order: the store sorts them, so none deadlocks.
        r.register((i % 2 ? [...names].reverse() : names).map((n) => registration(n, 'v1'))),
      ),
    );
    const [{ current }] = await stack.app.ds.query(
      'SELECT count(*)::int AS current FROM job_types WHERE name = ANY($1)',
      [names],
    );
    const [{ versions }] = await stack.app.ds.query(
      'SELECT count(*)::int AS versions FROM job_type_versions WHERE name = ANY($1)',
      [names],
    );
    expect({ current, versions }).toEqual({ current: 3, versions: 3 });
    for (const r of registries) for (const n of names) expect(r.find(n)?.version).toBe('v1');
  });

  it('finds a type registered a moment ago elsewhere with ensure', async () => {
    const other = await openRegistry();
    const name = typeName('ensure');
    // Written straight to the store: no change message reaches `other`.
    await stack.app.ds.query(
      `INSERT INTO job_types (name, version, definition, registered_at) VALUES ($1, 'v9', $2, now())`,
      [name, JSON.stringify(registration(name, 'v9'))],
    );
    expect(other.find(name)).toBeUndefined();
    expect((await other.ensure(name))?.version).toBe('v9');
    expect(await other.ensure(typeName('never'))).toBeUndefined();
  });
});

describe('unregisterJobType', () => {
  const UNREGISTER = 'mutation($name: String!) { unregisterJobType(name: $name) }';

  it('is for ADMINs only', async () => {
    const name = typeName('guarded');
    await stack.app.registry.register([registration(name, 'v1')]);
    for (const role of ['VIEWER', 'OPERATOR'] as const) {
      const key = await stack.createKey('acme', role);
      const r = await stack.gql(UNREGISTER, { name }, key);
      expect(r.errors?.[0].extensions?.code).toBe('FORBIDDEN');
      expect(r.errors?.[0].message).toMatch(/needs the ADMIN role/);
    }
    expect((await jobTypes()).has(name)).toBe(true);
  });

  it('answers NOT_FOUND for a type that is not registered', async () => {
    const r = await stack.gql(UNREGISTER, { name: 'no-such-type' });
    expect(r.errors?.[0].extensions?.code).toBe('NOT_FOUND');
    expect(r.errors?.[0].message).toMatch(/'no-such-type' is not registered; registered types:/);
  });

  it('removes the type from every cache and audits the call', async () => {
    const other = await openRegistry();
    const name = typeName('gone');
    await stack.app.registry.register([registration(name, 'v1')]);
    await stack.waitFor(async () => other.find(name), 1000, 'registered elsewhere');
    const r = await stack.gql<{ unregisterJobType: boolean }>(UNREGISTER, { name });
    expect(r.data?.unregisterJobType).toBe(true);
    expect((await jobTypes()).has(name)).toBe(false);
    await stack.waitFor(async () => !other.find(name), 1000, 'gone elsewhere');
    await stack.waitFor(
      async () =>
        (
          await stack.app.ds.query(
            `SELECT 1 FROM audit_log WHERE operation = 'unregisterJobType' AND outcome = 'ok'`,
          )
        ).length > 0,
      5000,
      'the audit entry',
    );
  });
});
