import { randomBytes } from 'node:crypto';
import { Client as PgClient } from 'pg';
import pino from 'pino';
import type { DataSource } from 'typeorm';
import { Backend, JobEventType, JobStatus, Priority } from '../../src/model/enums';
import type { JobEvent } from '../../src/model/job-event';
import type { JobTypeRegistration } from '../../src/model/job-type';
import { OverlapPolicy } from '../../src/model/schedule';
import { AuditStore } from '../../src/store/audit-store';
import { createDataSource, migrate } from '../../src/store/data-source';
import { EventStore } from '../../src/store/event-store';
import { JobStore } from '../../src/store/job-store';
import { JobTypeStore } from '../../src/store/job-type-store';
import { ScheduleStore } from '../../src/store/schedule-store';

const PG_BASE = process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432';
const MiB = 1024 * 1024;

/** What Postgres should end up holding for `s`: NUL and lone surrogates as U+FFFD. */
const stored = (s: string): string =>
  (s as unknown as { toWellFormed(): string }).toWellFormed().replaceAll('\0', '\ufffd');

/** Strings Postgres refuses as they are, or that broke the old NUL filter, each about 1 MiB or less. */
const HOSTILE: Record<string, string> = {
  backslashes: '\\'.repeat(500_000),
  backslashesThenNul: `${'\\'.repeat(499_999)}\0`,
  escapedNulText: '\\u0000'.repeat(50_000),
  nul: 'a\0b\0'.repeat(50_000),
  alternatingLone: '\ud800a\udc00b'.repeat(100_000),
  loneHighAtEnd: `${'\ud83d\ude00'.repeat(100_000)}\ud800`,
  validPairs: '\ud83d\ude00\ud800\udc00'.repeat(100_000),
};
const names = Object.keys(HOSTILE);
const expected = Object.fromEntries(names.map((k) => [k, stored(HOSTILE[k])]));

/** Every store that writes JSON or text, against a fresh database of the real Postgres. */
describe('values Postgres refuses, through every store', () => {
  const dbName = `jobgate_t_pgjson_${randomBytes(4).toString('hex')}`;
  const url = `${PG_BASE}/${dbName}`;
  let ds: DataSource;
  const tenant = 'acme';

  beforeAll(async () => {
    await migrate(url);
    ds = createDataSource(url);
    await ds.initialize();
  });
  afterAll(async () => {
    await ds?.destroy();
    const pg = new PgClient({ connectionString: `${PG_BASE}/postgres` });
    await pg.connect();
    await pg.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
    await pg.end();
  });

  it('Postgres itself refuses them: jsonb refuses \\u0000 and lone-surrogate escapes, text refuses NUL', async () => {
    const refused = async (sql: string, params: unknown[]): Promise<string> =>
      ds.query(sql, params).then(
        () => 'stored',
        (e: { code?: string }) => e.code ?? 'error',
      );
    expect(await refused('SELECT $1::jsonb', [JSON.stringify({ s: 'a\0' })])).toBe('22P05');
    expect(await refused('SELECT $1::jsonb', [JSON.stringify({ s: '\ud800' })])).toBe('22P02');
    expect(await refused('SELECT $1::text', ['a\0'])).toBe('22021');
    // A lone surrogate in a text parameter: pg encodes parameters as UTF-8, which writes U+FFFD.
    const [row] = await ds.query('SELECT $1::text AS t', ['x\ud800y\udc00']);
    expect(row.t).toBe('x\ufffdy\ufffd');
  });

  it('jobs: input on insert, result and error on a patch, are stored with U+FFFD and read back', async () => {
    const jobs = new JobStore(ds);
    const ids = names.map((n) => `job-${n}`);
    const inserted = await jobs.insert(
      names.map((n, i) => ({
        id: ids[i],
        tenant,
        type: 'echo',
        backend: Backend.BULLMQ,
        routingReason: 'test',
        queue: 'default',
        status: JobStatus.QUEUED,
        priority: Priority.NORMAL,
        maxAttempts: 1,
        input: { [n]: HOSTILE[n], key: { [`k${HOSTILE[n].slice(0, 10)}`]: 1 } },
        idempotencyKey: null,
        delayMs: null,
      })),
    );
    expect(inserted.size).toBe(names.length);
    await jobs.applyPatches(
      new Map(
        names.map((n, i) => [
          ids[i],
          {
            lastEventId: `${Date.now()}-${i}`,
            status: JobStatus.FAILED,
            hasResult: true,
            result: { [n]: HOSTILE[n] },
            hasError: true,
            error: HOSTILE[n],
          },
        ]),
      ),
    );
    const back = await jobs.findByIds(ids, tenant);
    for (const [i, n] of names.entries()) {
      const j = back.get(ids[i])!;
      expect({ n, ok: (j.input as Record<string, string>)[n] === expected[n] }).toEqual({
        n,
        ok: true,
      });
      expect(Object.keys((j.input as { key: object }).key)).toEqual([
        `k${stored(HOSTILE[n].slice(0, 10))}`,
      ]);
      expect({ n, ok: (j.result as Record<string, string>)[n] === expected[n] }).toEqual({
        n,
        ok: true,
      });
      expect({ n, ok: j.error === expected[n] }).toEqual({ n, ok: true });
    }
  });

  it('job_events: message and meta (logs included) are stored with U+FFFD and read back', async () => {
    const events = new EventStore(ds);
    const now = Date.now();
    const batch: JobEvent[] = names.map((n, i) => ({
      id: `${now}-${i}`,
      tenant,
      source: Backend.BULLMQ,
      type: i % 2 ? JobEventType.LOG : JobEventType.CANCELLED,
      jobId: `job-${n}`,
      jobType: 'echo',
      queue: 'default',
      message: HOSTILE[n],
      meta: { reason: HOSTILE[n], nested: [{ payload: HOSTILE[n] }] },
      timestamp: new Date().toISOString(),
    }));
    await events.insert(batch);
    const back = await events.list({ tenant }, 100);
    expect(back).toHaveLength(names.length);
    for (const [i, n] of names.entries()) {
      const e = back[i];
      expect({ n, ok: e.message === expected[n] }).toEqual({ n, ok: true });
      const meta = e.meta as { reason: string; nested: { payload: string }[] };
      expect({
        n,
        ok: meta.reason === expected[n] && meta.nested[0].payload === expected[n],
      }).toEqual({ n, ok: true });
    }
  });

  it('audit_log: target ids (mutation arguments) are stored with U+FFFD and read back', async () => {
    const audit = new AuditStore(ds, pino({ level: 'silent' }));
    for (const n of names)
      audit.record({
        keyId: null,
        tenant: 'audited',
        role: 'VIEWER',
        operation: 'retryJob',
        targetIds: [HOSTILE[n]],
        outcome: 'NOT_FOUND',
        requestId: HOSTILE[n].slice(0, 64),
      });
    await audit.close();
    const back = (await audit.list({ tenant: 'audited' }, 100)).reverse();
    expect(back).toHaveLength(names.length);
    for (const [i, n] of names.entries())
      expect({ n, ok: back[i].targetIds[0] === expected[n] }).toEqual({ n, ok: true });
  });

  it('schedules: input and note are stored with U+FFFD and read back', async () => {
    const schedules = new ScheduleStore(ds);
    for (const n of names) {
      await schedules.locked(`s-${n}`, (m) =>
        schedules.save(
          {
            id: `s-${n}`,
            tenant,
            type: 'echo',
            input: { [n]: HOSTILE[n] },
            backend: Backend.BULLMQ,
            priority: Priority.NORMAL,
            queue: 'default',
            cron: null,
            everyMs: 60_000,
            timezone: 'UTC',
            overlap: OverlapPolicy.SKIP,
            paused: true,
            note: HOSTILE[n],
            startAt: null,
            endAt: null,
            source: 'api',
            specHash: 'h',
            createdAt: new Date(),
          },
          m,
        ),
      );
      const back = await schedules.find(`s-${n}`);
      expect({ n, ok: (back!.input as Record<string, string>)[n] === expected[n] }).toEqual({
        n,
        ok: true,
      });
      expect({ n, ok: back!.note === expected[n] }).toEqual({ n, ok: true });
      await schedules.locked(`s-${n}`, (m) => schedules.setPaused(`s-${n}`, false, HOSTILE[n], m));
      expect({ n, ok: (await schedules.find(`s-${n}`))!.note === expected[n] }).toEqual({
        n,
        ok: true,
      });
    }
  });

  it('job types: a definition (schemas, descriptions) is stored with U+FFFD and read back', async () => {
    const types = new JobTypeStore(ds);
    await types.register(
      names.map((n) => ({
        name: `type-${n}`,
        version: 'v1',
        description: HOSTILE[n].slice(0, 100_000),
        inputSchema: { type: 'object', properties: { [n]: { description: HOSTILE[n] } } },
      })) as unknown as (JobTypeRegistration & { version: string })[],
    );
    const back = new Map((await types.all()).map((t) => [t.name, t.definition]));
    for (const n of names) {
      const d = back.get(`type-${n}`) as {
        description: string;
        inputSchema: { properties: Record<string, { description: string }> };
      };
      expect({ n, ok: d.description === stored(HOSTILE[n].slice(0, 100_000)) }).toEqual({
        n,
        ok: true,
      });
      expect({ n, ok: d.inputSchema.properties[n].description === expected[n] }).toEqual({
        n,
        ok: true,
      });
    }
    expect(HOSTILE.backslashes.length).toBeLessThanOrEqual(MiB);
  });
});
