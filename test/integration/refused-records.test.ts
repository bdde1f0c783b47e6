import { randomBytes } from 'node:crypto';
import { connect, createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { Redis } from 'ioredis';
import { Client as PgClient } from 'pg';
import pino from 'pino';
import type { DataSource } from 'typeorm';
import { busKeys } from '../../src/bus/bus-keys';
import type { BusKeys } from '../../src/bus/bus-keys';
import { Backend, JobEventType } from '../../src/model/enums';
import { Aggregator } from '../../src/projection/aggregator';
import { AuditStore } from '../../src/store/audit-store';
import type { AuditEntry } from '../../src/store/audit-store';
import { createDataSource, migrate } from '../../src/store/data-source';
import { EventStore } from '../../src/store/event-store';
import { JobStore } from '../../src/store/job-store';
import { RefusedRecordStore } from '../../src/store/refused-record-store';
import { isRefusal, writeBisecting } from '../../src/store/refusal';

const PG_BASE = process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const silent = pino({ level: 'silent' });
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * A TCP proxy in front of Postgres that can refuse and cut connections: an outage of this
 * suite's own connections, since stopping the machine's Postgres would stop every other
 * suite. A network fault cannot be had on demand otherwise.
 */
async function pgProxy(): Promise<{
  port: number;
  down(): void;
  up(): void;
  close(): Promise<void>;
}> {
  const open = new Set<Socket>();
  let refusing = false;
  const server: Server = createServer((client) => {
    if (refusing) return void client.destroy();
    const upstream = connect(5432, '127.0.0.1');
    for (const s of [client, upstream]) {
      open.add(s);
      s.on('close', () => open.delete(s));
      s.on('error', () => undefined);
    }
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    down: () => {
      refusing = true;
      for (const s of open) s.destroy();
    },
    up: () => {
      refusing = false;
    },
    close: async () => {
      for (const s of open) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

const event = (i: number, o: Record<string, unknown> = {}): string =>
  JSON.stringify({
    tenant: 'bystander',
    source: Backend.BULLMQ,
    type: JobEventType.PROGRESS,
    jobId: `job-${i}`,
    jobType: 'echo',
    queue: 'default',
    progress: 50,
    timestamp: new Date().toISOString(),
    ...o,
  });

describe('refused records', () => {
  const dbName = `jobgate_t_refused_${randomBytes(4).toString('hex')}`;
  const url = `${PG_BASE}/${dbName}`;
  let ds: DataSource;
  let redis: Redis;
  let direct: PgClient;
  const prefixes: string[] = [];

  const count = async (sql: string, params: unknown[] = []): Promise<number> =>
    Number((await direct.query(sql, params)).rows[0].n);

  beforeAll(async () => {
    await migrate(url);
    ds = createDataSource(url);
    await ds.initialize();
    redis = new Redis(REDIS_URL);
    direct = new PgClient({ connectionString: url });
    await direct.connect();
  });
  afterAll(async () => {
    for (const p of prefixes) await redis.del(`${p}:events`);
    redis?.disconnect();
    await direct?.end();
    await ds?.destroy();
    const pg = new PgClient({ connectionString: `${PG_BASE}/postgres` });
    await pg.connect();
    await pg.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
    await pg.end();
  });

  const startAggregator = async (
    on: DataSource,
  ): Promise<{ agg: Aggregator; keys: BusKeys; refused: number[] }> => {
    const prefix = `t${randomBytes(5).toString('hex')}`;
    prefixes.push(prefix);
    const keys = busKeys(prefix);
    const refused: number[] = [];
    const agg = new Aggregator(
      new Redis(REDIS_URL, { maxRetriesPerRequest: null }),
      keys,
      on,
      new JobStore(on),
      new EventStore(on),
      silent,
      { blockMs: 100, onRefused: (n) => refused.push(n) },
    );
    await agg.start();
    return { agg, keys, refused };
  };

  describe('writeBisecting', () => {
    it('finds each refused item, writes the others in order, and lets any other error through', async () => {
      const written: number[] = [];
      const refused: number[] = [];
      const poison = new Set([3, 17, 18, 63]);
      const dataError = Object.assign(new Error('value out of range'), { code: '22003' });
      const n = await writeBisecting(
        Array.from({ length: 64 }, (_, i) => i),
        async (part) => {
          if (part.some((i) => poison.has(i))) throw dataError;
          written.push(...part);
        },
        async (i) => void refused.push(i),
      );
      expect(n).toBe(4);
      expect(refused).toEqual([3, 17, 18, 63]);
      expect(written).toEqual(
        Array.from({ length: 64 }, (_, i) => i).filter((i) => !poison.has(i)),
      );
      const down = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
      await expect(
        writeBisecting(
          [1, 2],
          () => Promise.reject(down),
          async () => undefined,
        ),
      ).rejects.toBe(down);
      expect(isRefusal(down)).toBe(false);
      expect(isRefusal({ code: '57P01' })).toBe(false);
      expect(isRefusal({ code: '08006' })).toBe(false);
      expect(isRefusal({ driverError: { code: '23502' } })).toBe(true);
      expect(isRefusal({ code: '54000' })).toBe(true);
    });
  });

  it('the aggregator stores the rest of a batch, keeps each refused entry with its error, and acknowledges all', async () => {
    const { agg, keys, refused } = await startAggregator(ds);
    try {
      const m = redis.multi();
      for (let i = 0; i < 40; i++) m.xadd(keys.stream, '*', 'e', event(i));
      // An integer column refuses 10^12 (22003): no sanitizer can save this one.
      m.xadd(keys.stream, '*', 'e', event(100, { attempt: 1e12 }));
      // Not JSON at all.
      m.xadd(keys.stream, '*', 'e', '{"tenant": "x", broken');
      for (let i = 40; i < 80; i++) m.xadd(keys.stream, '*', 'e', event(i));
      const ids = ((await m.exec()) ?? []).map(([, id]) => id as string);
      // The batch is written in stream order: the events after the second refused entry are
      // stored after it is kept, so both are waited for.
      const storedEvents = (): Promise<number> =>
        count(
          `SELECT count(*) AS n FROM job_events WHERE job_id LIKE 'job-%' AND tenant = 'bystander'`,
        );
      const until = Date.now() + 20_000;
      while (Date.now() < until) {
        const kept = await count(`SELECT count(*) AS n FROM refused_records`);
        if (kept >= 2 && (await storedEvents()) >= 80) break;
        await sleep(100);
      }
      expect(await storedEvents()).toBe(80);
      const rows = await new RefusedRecordStore(ds).list('aggregator');
      expect(rows.map((r) => r.key).sort()).toEqual([ids[40], ids[41]].sort());
      const outOfRange = rows.find((r) => r.key === ids[40])!;
      expect(outOfRange.sqlstate).toBe('22003');
      expect(outOfRange.tenant).toBe('bystander');
      expect(outOfRange.error).toMatch(/out of range/);
      expect(JSON.parse(outOfRange.record)).toMatchObject({ jobId: 'job-100', attempt: 1e12 });
      expect(rows.find((r) => r.key === ids[41])!.record).toBe('{"tenant": "x", broken');
      expect(refused.reduce((a, b) => a + b, 0)).toBe(2);
      const pending = (await redis.xpending(keys.stream, keys.group)) as [number];
      expect(pending[0]).toBe(0);
      // And it carries on with later events.
      await redis.xadd(keys.stream, '*', 'e', event(200));
      const after = Date.now() + 10_000;
      while (
        Date.now() < after &&
        !(await count(`SELECT count(*) AS n FROM job_events WHERE job_id = 'job-200'`))
      )
        await sleep(100);
      expect(await count(`SELECT count(*) AS n FROM job_events WHERE job_id = 'job-200'`)).toBe(1);
    } finally {
      await agg.stop();
    }
  }, 60_000);

  it('while Postgres is unreachable the aggregator keeps retrying the batch and dead-letters nothing', async () => {
    const proxy = await pgProxy();
    const viaProxy = createDataSource(`postgres://postgres@127.0.0.1:${proxy.port}/${dbName}`);
    await viaProxy.initialize();
    const { agg, keys, refused } = await startAggregator(viaProxy);
    const before = await count(`SELECT count(*) AS n FROM refused_records`);
    try {
      proxy.down();
      const m = redis.multi();
      for (let i = 300; i < 320; i++) m.xadd(keys.stream, '*', 'e', event(i));
      m.xadd(keys.stream, '*', 'e', event(399, { attempt: 1e12 }));
      await m.exec();
      await sleep(4000);
      expect(await count(`SELECT count(*) AS n FROM refused_records`)).toBe(before);
      expect(
        await count(`SELECT count(*) AS n FROM job_events WHERE job_id IN ('job-300', 'job-319')`),
      ).toBe(0);
      const [pendingDuring] = (await redis.xpending(keys.stream, keys.group)) as [number];
      expect(pendingDuring).toBe(21);
      proxy.up();
      const until = Date.now() + 30_000;
      while (
        Date.now() < until &&
        (await count(`SELECT count(*) AS n FROM refused_records`)) === before
      )
        await sleep(200);
      await sleep(500);
      expect(await count(`SELECT count(*) AS n FROM refused_records`)).toBe(before + 1);
      expect(
        await count(
          `SELECT count(*) AS n FROM job_events WHERE job_id ~ '^job-3[0-9]{2}$' AND job_id <> 'job-399'`,
        ),
      ).toBe(20);
      expect(refused).toEqual([1]);
      const [pendingAfter] = (await redis.xpending(keys.stream, keys.group)) as [number];
      expect(pendingAfter).toBe(0);
    } finally {
      await agg.stop();
      await viaProxy.destroy();
      await proxy.close();
    }
  }, 90_000);

  it('the audit writer stores the rest of a flush and keeps a refused entry; an outage keeps entries for later', async () => {
    const refused: number[] = [];
    const audit = new AuditStore(ds, silent, 50, 200, { onRefused: (n) => refused.push(n) });
    const entry = (i: number, o: Partial<AuditEntry> = {}): AuditEntry => ({
      keyId: null,
      tenant: 'audit-bisect',
      role: 'OPERATOR',
      operation: 'cancelJob',
      targetIds: [`job-${i}`],
      outcome: 'ok',
      requestId: `r-${i}`,
      ...o,
    });
    for (let i = 0; i < 30; i++) audit.record(entry(i));
    // tenant is NOT NULL (23502).
    audit.record(entry(30, { tenant: null as unknown as string }));
    for (let i = 31; i < 40; i++) audit.record(entry(i));
    await audit.close();
    const listed = await audit.list({ tenant: 'audit-bisect' }, 100);
    expect(listed).toHaveLength(39);
    const rows = await new RefusedRecordStore(ds).list('audit');
    expect(rows).toHaveLength(1);
    expect(rows[0].sqlstate).toBe('23502');
    expect(JSON.parse(rows[0].record)).toMatchObject({ requestId: 'r-30', tenant: null });
    expect(refused).toEqual([1]);

    // Postgres unreachable: nothing is dead-lettered, and the entries are written once it is back.
    const proxy = await pgProxy();
    const viaProxy = createDataSource(`postgres://postgres@127.0.0.1:${proxy.port}/${dbName}`);
    await viaProxy.initialize();
    const during = new AuditStore(viaProxy, silent, 50, 200);
    try {
      proxy.down();
      for (let i = 0; i < 5; i++) during.record(entry(i, { tenant: 'audit-outage' }));
      await sleep(2500);
      expect(await count(`SELECT count(*) AS n FROM refused_records WHERE writer = 'audit'`)).toBe(
        rows.length,
      );
      proxy.up();
      const until = Date.now() + 20_000;
      while (
        Date.now() < until &&
        (await count(`SELECT count(*) AS n FROM audit_log WHERE tenant = 'audit-outage'`)) < 5
      )
        await sleep(200);
      await during.close();
      expect(await count(`SELECT count(*) AS n FROM audit_log WHERE tenant = 'audit-outage'`)).toBe(
        5,
      );
      expect((await new RefusedRecordStore(ds).list('audit')).length).toBe(1);
    } finally {
      await viaProxy.destroy();
      await proxy.close();
    }
  }, 60_000);
});
