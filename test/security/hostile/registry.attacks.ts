import pino from 'pino';
import { Backend } from '../../../src/model/enums';
import { TypeRegistry } from '../../../src/registry/type-registry';
import type { VersionedRegistration } from '../../../src/store/job-type-store';
import { REDIS_URL } from '../../helpers/stack';
import type { Hostile } from './harness';

const SUBMIT = 'mutation($i: SubmitJobInput!) { submitJob(input: $i) { id status } }';
let seq = 0;

/** What a worker sends for a type, as the SDK would, with a schema of the attacker's choice. */
function registration(
  what: string,
  inputSchema: Record<string, unknown>,
  over: Partial<VersionedRegistration> = {},
): VersionedRegistration {
  return {
    name: `mallory.${what}-${process.pid}-${++seq}`,
    version: `v${seq}`,
    description: '',
    defaultBackend: Backend.BULLMQ,
    queue: 'mallory',
    inputSchema,
    maxAttempts: 1,
    backoffMs: 100,
    timeoutMs: 1000,
    signals: [],
    signalSchemas: {},
    queries: [],
    workflowOnly: false,
    workflowName: null,
    sensitiveFields: [],
    ...over,
  };
}

/** Timed GraphQL call: the answer and how long it took. */
async function timed<T>(run: () => Promise<T>): Promise<{ r: T; ms: number }> {
  const t0 = performance.now();
  const r = await run();
  return { r, ms: performance.now() - t0 };
}

/** The attacker runs a worker process of its own: its own registry, on the shared store. */
export function attacks(h: Hostile): void {
  describe('registry', () => {
    let worker: TypeRegistry;
    beforeAll(async () => {
      worker = await TypeRegistry.open({
        ds: h.stack.app.ds,
        redis: h.stack.redis,
        redisUrl: REDIS_URL,
        prefix: h.stack.config.JOBGATE_PREFIX,
        log: pino({ level: 'silent' }),
        safetyRefreshMs: 0,
      });
    });
    afterAll(() => worker?.close());

    const submit = (type: string, input: unknown) =>
      h.stack.gql(SUBMIT, { i: { type, input } }, h.attacker.admin);

    it('answers a backtracking pattern fast: the pattern runs in linear time', async () => {
      const reg = registration('redos', {
        type: 'object',
        properties: { s: { type: 'string', pattern: '^(a+)+$' } },
      });
      await worker.register([reg]);
      await h.stack.app.registry.ensure(reg.name);
      const { r, ms } = await timed(() => submit(reg.name, { s: `${'a'.repeat(50_000)}!` }));
      expect(r.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
      expect(r.errors?.[0].message).toMatch(/input\.s must match pattern/);
      expect(ms).toBeLessThan(1000);
      const ok = await submit(reg.name, { s: 'a'.repeat(50_000) });
      expect(ok.errors).toBeUndefined();
    });

    it('refuses a pattern RE2 cannot run (a backreference) at registration, naming the type', async () => {
      const bad = registration('backref', { type: 'string', pattern: '^(a+)\\1$' });
      const good = registration('good', { type: 'object' });
      await expect(worker.register([bad, good])).rejects.toThrow(
        new RegExp(
          `job type '${bad.name.replace(/\./g, '\\.')}' was not registered: its inputSchema does not compile`,
        ),
      );
      await h.stack.app.registry.refresh();
      expect(h.stack.app.registry.find(bad.name)).toBeUndefined();
      expect(h.stack.app.registry.find(good.name)?.version).toBe(good.version);
    });

    it('refuses a schema with one $id given twice at registration; other types and $ids are unharmed', async () => {
      const dup = registration('dup-id', {
        type: 'object',
        properties: { a: { $id: 'shared', type: 'string' }, b: { $id: 'shared', type: 'number' } },
      });
      await expect(worker.register([dup])).rejects.toThrow(
        /was not registered: its inputSchema does not compile: reference "shared" resolves to more than one schema/,
      );
      // Two types (and two versions of one) with the same top-level $id each compile on their own.
      const a = registration('same-id-a', {
        $id: 'https://mallory.example/input',
        type: 'object',
        required: ['x'],
      });
      const b = registration('same-id-b', {
        $id: 'https://mallory.example/input',
        type: 'object',
        required: ['y'],
      });
      await worker.register([a, b]);
      await h.stack.app.registry.ensure(a.name);
      await h.stack.app.registry.ensure(b.name);
      expect((await submit(a.name, { x: 1 })).errors).toBeUndefined();
      expect((await submit(b.name, { y: 1 })).errors).toBeUndefined();
      const miss = await submit(b.name, { x: 1 });
      expect(miss.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
      expect(miss.errors?.[0].message).toMatch(/must have required property 'y'/);
    });

    it('refuses a schema past the size or depth limit at registration', async () => {
      const big = registration('big', { type: 'object', description: 'x'.repeat(70_000) });
      await expect(worker.register([big])).rejects.toThrow(
        /inputSchema is \d+ bytes of JSON; the limit is 65536/,
      );
      let deep: Record<string, unknown> = { type: 'string' };
      for (let i = 0; i < 100; i++) deep = { type: 'array', items: deep };
      await expect(worker.register([registration('deep', deep)])).rejects.toThrow(
        /more than 64 levels deep/,
      );
      const unique = registration('unique', { type: 'array', uniqueItems: true });
      await expect(worker.register([unique])).rejects.toThrow(/uniqueItems/);
    });

    it('answers submissions of a bad schema stored behind its back with BAD_USER_INPUT, fast', async () => {
      const reg = registration('stored', { type: 'string', pattern: '(?=a)a' });
      const { version, ...definition } = reg;
      await h.stack.app.ds.query(
        `INSERT INTO job_types (name, version, definition, registered_at) VALUES ($1, $2, $3, now())`,
        [reg.name, version, JSON.stringify(definition)],
      );
      await h.stack.app.registry.refresh();
      const { r, ms } = await timed(() => submit(reg.name, 'a'));
      expect(r.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
      expect(r.errors?.[0].message).toMatch(
        new RegExp(
          `job type '${reg.name.replace(/\./g, '\\.')}' cannot take submissions: its registered schema is refused`,
        ),
      );
      expect(ms).toBeLessThan(1000);
    });
  });
}
