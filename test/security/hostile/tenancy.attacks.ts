import { randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';
import { waitForStatus } from '../../helpers/ops';
import type { Hostile } from './harness';

const UPSERT = 'mutation($i: ScheduleInput!) { upsertSchedule(input: $i) { id } }';
const QUERY = 'query($id: ID!, $n: String!) { workflowQuery(jobId: $id, name: $n) }';
const READ = 'query($id: ID!) { schedule(id: $id) { id type } }';
const rand = (): string => randomBytes(4).toString('hex');

/**
 * Crossing tenant lines through shared names and shared metadata: schedule ids a worker
 * declares in code, workflow query names, queue counts.
 */
export function attacks(h: Hostile): void {
  describe('tenancy', () => {
    const deleteSchedule = (id: string) =>
      h.stack.gql('mutation($id: ID!) { deleteSchedule(id: $id) }', { id });

    it('cannot claim the id of a schedule declared in code, before or after a worker declares it', async () => {
      const declared = `nightly-${rand()}`;
      const codeId = `code.${declared}`;
      const spec = { type: 'echo', input: { from: 'mallory' }, everyMs: 60_000 };
      // The stored id of a code schedule is refused to every API caller, even an ADMIN.
      for (const key of [h.attacker.operator, h.attacker.admin]) {
        const r = await h.stack.gql(UPSERT, { i: { ...spec, id: codeId } }, key);
        expect(r.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
        expect(r.errors?.[0]?.message).toMatch(/reserved for schedules declared in code/);
      }
      // The bare declared id is an ordinary id: the attacker's own schedule, nothing more.
      const own = await h.stack.gql(UPSERT, { i: { ...spec, id: declared } }, h.attacker.operator);
      expect(own.errors).toBeUndefined();
      try {
        // A worker declares `declared` (what compose/schedule-parts.ts does at registration).
        const saved = await h.stack.app.services.schedules.upsertCode({
          id: declared,
          type: 'echo',
          input: { from: 'code' },
          everyMs: 60_000,
        });
        expect(saved).toMatchObject({ id: codeId, tenant: 'default', source: 'code' });
        const rows: { id: string; tenant: string; source: string }[] = await h.stack.app.ds.query(
          `SELECT id, tenant, source FROM schedules WHERE id IN ($1, $2) ORDER BY id`,
          [codeId, declared],
        );
        expect(rows).toEqual([
          { id: codeId, tenant: 'default', source: 'code' },
          { id: declared, tenant: h.attackerTenant, source: 'api' },
        ]);
        const seen = await h.stack.gql(READ, { id: codeId }, h.attacker.operator);
        expect(seen.data?.schedule).toBeNull();
        const pause = await h.stack.gql(
          'mutation($id: ID!) { pauseSchedule(id: $id) { id } }',
          { id: codeId },
          h.attacker.operator,
        );
        expect(pause.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
      } finally {
        await deleteSchedule(codeId);
        await deleteSchedule(declared);
      }
    });

    it("a code upsert never keeps a tenant's row at a code schedule's id", async () => {
      const declared = `legacy-${rand()}`;
      const codeId = `code.${declared}`;
      // A row the attacker wrote at that id before the namespace was reserved.
      await h.stack.app.ds.query(
        `INSERT INTO schedules (id, tenant, type, input, backend, priority, queue, every_ms, overlap, paused, note, source, spec_hash)
         VALUES ($1, $2, 'echo', '{"from":"mallory"}', 'BULLMQ', 'NORMAL', 'default', 60000, 'SKIP', true, 'mine', 'api', 'x')`,
        [codeId, h.attackerTenant],
      );
      try {
        const saved = await h.stack.app.services.schedules.upsertCode({
          id: declared,
          type: 'echo',
          input: { from: 'code' },
          everyMs: 60_000,
        });
        expect(saved).toMatchObject({ tenant: 'default', paused: false, note: null });
        const [row] = await h.stack.app.ds.query(
          `SELECT tenant, source, input, paused FROM schedules WHERE id = $1`,
          [codeId],
        );
        expect(row).toEqual({
          tenant: 'default',
          source: 'code',
          input: { from: 'code' },
          paused: false,
        });
        const seen = await h.stack.gql(READ, { id: codeId }, h.attacker.viewer);
        expect(seen.data?.schedule).toBeNull();
      } finally {
        await deleteSchedule(codeId);
      }
    });
    it('moves a code schedule an older version stored under its bare id, and drops a tenant copy of one', async () => {
      const schedulers = async (): Promise<string[]> => {
        const q = new Queue('default', {
          connection: h.stack.redis,
          prefix: `${h.stack.config.JOBGATE_PREFIX}:bull`,
        });
        try {
          return (await q.getJobSchedulers()).map((s) => s.key);
        } finally {
          await q.close();
        }
      };
      const spec = { type: 'echo', input: { from: 'code' }, everyMs: 60_000 };
      // What an older worker left: the code schedule under its bare id in tenant default, with a
      // pause an operator set, and one that an earlier takeover left in the attacker's tenant.
      const old = `old-${rand()}`;
      const taken = `taken-${rand()}`;
      expect((await h.stack.gql(UPSERT, { i: { ...spec, id: old } })).errors).toBeUndefined();
      const paused = await h.stack.gql(
        'mutation($id: ID!) { pauseSchedule(id: $id, note: "held") { id } }',
        { id: old },
      );
      expect(paused.errors).toBeUndefined();
      const claimed = await h.stack.gql(UPSERT, { i: { ...spec, id: taken } }, h.attacker.operator);
      expect(claimed.errors).toBeUndefined();
      expect(await schedulers()).toContain(taken);
      await h.stack.app.ds.query(`UPDATE schedules SET source = 'code' WHERE id = ANY($1)`, [
        [old, taken],
      ]);
      try {
        const moved = await h.stack.app.services.schedules.upsertCode({ ...spec, id: old });
        expect(moved).toMatchObject({ id: `code.${old}`, paused: true, note: 'held' });
        const fresh = await h.stack.app.services.schedules.upsertCode({ ...spec, id: taken });
        expect(fresh).toMatchObject({ id: `code.${taken}`, tenant: 'default', paused: false });
        const left: { id: string }[] = await h.stack.app.ds.query(
          `SELECT id FROM schedules WHERE id = ANY($1) ORDER BY id`,
          [[old, taken, `code.${old}`, `code.${taken}`]],
        );
        expect(left.map((r) => r.id)).toEqual([`code.${old}`, `code.${taken}`]);
        const keys = await schedulers();
        expect(keys).toContain(`code.${taken}`);
        expect(keys).not.toContain(taken);
        expect(keys).not.toContain(`code.${old}`); // paused: no BullMQ scheduler
        const mine = await h.stack.gql(READ, { id: `code.${taken}` }, h.attacker.operator);
        expect(mine.data?.schedule).toBeNull();
      } finally {
        for (const id of [old, taken, `code.${old}`, `code.${taken}`]) await deleteSchedule(id);
      }
    });

    /** Runs `body` on a TEMPORAL job of the attacker's own tenant while it runs, then cancels it. */
    const withOwnWorkflow = async (
      input: Record<string, unknown>,
      body: (id: string) => Promise<void>,
    ): Promise<void> => {
      const sub = await h.stack.gql<{ submitJob: { id: string } }>(
        'mutation($i: SubmitJobInput!) { submitJob(input: $i) { id } }',
        { i: { ...input, backend: 'TEMPORAL' } },
        h.attacker.operator,
      );
      const id = sub.data?.submitJob.id as string;
      expect(id).toBeTruthy();
      await waitForStatus(h.stack, id, ['RUNNING', 'WAITING'], 20_000);
      try {
        await body(id);
      } finally {
        await h.stack.gql(
          'mutation($id: ID!) { cancelJob(id: $id) { id } }',
          { id },
          h.attacker.operator,
        );
      }
    };

    it('runs no workflow query a VIEWER asks, and no name its type does not declare', async () => {
      await withOwnWorkflow({ type: 'sleep', input: { ms: 30_000 } }, async (id) => {
        // A type declaring no queries: no name reaches Temporal, least of all __stack_trace.
        for (const n of ['__stack_trace', '__temporal_workflow_metadata', 'state']) {
          const r = await h.stack.gql(QUERY, { id, n }, h.attacker.operator);
          expect(r.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
          expect(r.errors?.[0]?.message).toMatch(/it answers: none$/);
          expect(r.data?.workflowQuery ?? null).toBeNull();
        }
        const viewer = await h.stack.gql(QUERY, { id, n: '__stack_trace' }, h.attacker.viewer);
        expect(viewer.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
        expect(viewer.errors?.[0]?.message).toMatch(/needs the OPERATOR role/);
      });
    });

    it('refuses built-in queries on a type that declares its own, naming the ones it answers', async () => {
      await withOwnWorkflow({ type: 'approval', input: { timeoutSeconds: 60 } }, async (id) => {
        const stack = await h.stack.gql(QUERY, { id, n: '__stack_trace' }, h.attacker.operator);
        expect(stack.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
        expect(stack.errors?.[0]?.message).toMatch(/built-in Temporal query.*it answers: state$/);
        const viewer = await h.stack.gql(QUERY, { id, n: 'state' }, h.attacker.viewer);
        expect(viewer.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
        const state = await h.stack.gql<{ workflowQuery: { status: string } }>(
          QUERY,
          { id, n: 'state' },
          h.attacker.operator,
        );
        expect(state.errors).toBeUndefined();
        expect(state.data?.workflowQuery.status).toBe('WAITING');
      });
    });
    it("shows a tenant's own job counts in queues, never the other tenants'", async () => {
      const QUEUES = '{ queues { name backend paused waiting active delayed completed failed } }';
      type Counts = { name: string; backend: string; completed: number } & Record<string, unknown>;
      const tenant = `quiet-${rand()}`;
      const viewer = await h.stack.createKey(tenant, 'VIEWER');
      const operator = await h.stack.createKey(tenant, 'OPERATOR');
      const read = async (key: string): Promise<Counts[]> => {
        const r = await h.stack.gql<{ queues: Counts[] }>(QUEUES, undefined, key);
        expect(r.errors).toBeUndefined();
        return r.data?.queues ?? [];
      };
      // The engines' counts, for an ADMIN: the bystander's echo jobs are in queue default.
      await h.stack.waitFor(
        async () =>
          (await read(h.stack.adminKey)).find((q) => q.backend === 'BULLMQ' && q.name === 'default')
            ?.completed,
        20_000,
        'completed jobs in BullMQ queue default',
      );
      const all = await read(h.stack.adminKey);
      const mine = await read(viewer);
      // The same queues, each with nothing in it: this tenant has no jobs yet.
      expect(mine.map((q) => `${q.backend}:${q.name}`)).toEqual(
        all.map((q) => `${q.backend}:${q.name}`),
      );
      for (const q of mine)
        expect(q).toEqual({ ...q, waiting: 0, active: 0, delayed: 0, completed: 0, failed: 0 });
      expect(
        (await read(h.attacker.operator)).find(
          (q) => q.backend === 'BULLMQ' && q.name === 'default',
        )?.completed,
      ).toBeLessThan(all.find((q) => q.backend === 'BULLMQ' && q.name === 'default')!.completed);

      // One job of its own, and it counts that one.
      const job = await h.stack.submit(
        { type: 'echo', input: { n: 1 }, backend: 'BULLMQ' },
        operator,
      );
      await waitForStatus(h.stack, job.id, ['SUCCEEDED'], 20_000);
      const after = await read(viewer);
      expect(after.find((q) => q.backend === 'BULLMQ' && q.name === 'default')).toMatchObject({
        waiting: 0,
        active: 0,
        completed: 1,
        failed: 0,
      });
    });
  });
}
