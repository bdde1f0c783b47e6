import { randomBytes } from 'node:crypto';
import { Client as PgClient } from 'pg';
import pino from 'pino';
import { startApp } from '../../src/compose/app';
import type { App } from '../../src/compose/app';
import { loadConfig } from '../../src/config';
import { createDataSource, ensureDatabase, QueryCounter } from '../../src/store/data-source';
import { REDIS_URL } from '../helpers/stack';

const PG_BASE = process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432';
/** The advisory lock `migrate` takes (src/store/data-source.ts). */
const MIGRATION_LOCK = 727274;
/** The statement timeout of normal queries in this suite, ms: far shorter than the lock is held. */
const TIMEOUT_MS = 300;
const HOLD_MS = 1500;

describe('migrations and the statement timeout', () => {
  const dbName = `jobgate_t_migtimeout_${randomBytes(4).toString('hex')}`;
  const url = `${PG_BASE}/${dbName}`;
  let holder: PgClient;
  let app: App | undefined;

  beforeAll(async () => {
    await ensureDatabase(url);
    holder = new PgClient({ connectionString: url });
    await holder.connect();
  });

  afterAll(async () => {
    await app?.close();
    await holder?.end();
    const admin = new PgClient({ connectionString: `${PG_BASE}/postgres` });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
    await admin.end();
  });

  it('applies migrations that waited past the timeout for another session to release the lock; normal queries still time out', async () => {
    await holder.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    // A session with the normal queries' timeout gives up waiting for that lock: migrations run
    // on the normal pool would fail the same way.
    const normal = createDataSource(url, new QueryCounter(), 1, TIMEOUT_MS);
    await normal.initialize();
    try {
      await expect(normal.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK])).rejects.toThrow(
        /statement timeout/,
      );
    } finally {
      await normal.destroy();
    }

    const config = loadConfig({
      ...process.env,
      DATABASE_URL: url,
      REDIS_URL,
      JOBGATE_PREFIX: `t${randomBytes(5).toString('hex')}`,
      TEMPORAL_ENABLED: 'false',
      LOG_LEVEL: 'warn',
      NODE_ENV: 'test',
      DB_STATEMENT_TIMEOUT_MS: String(TIMEOUT_MS),
    });
    expect(config.DB_STATEMENT_TIMEOUT_MS).toBe(TIMEOUT_MS);
    const t0 = Date.now();
    const release = new Promise<void>((resolve, reject) =>
      setTimeout(() => {
        holder
          .query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK])
          .then(() => resolve(), reject);
      }, HOLD_MS),
    );
    app = await startApp(config, pino({ level: 'warn' }), { gateway: false, aggregator: false });
    await release;
    // It waited for the lock, well past the timeout, and then migrated.
    expect(Date.now() - t0).toBeGreaterThanOrEqual(HOLD_MS - 50);
    const applied: { n: string }[] = await app.ds.query('SELECT count(*) AS n FROM migrations');
    expect(Number(applied[0].n)).toBeGreaterThan(0);
    const tables: { n: string }[] = await app.ds.query(
      `SELECT count(*) AS n FROM pg_tables WHERE tablename IN ('jobs', 'schedules')`,
    );
    expect(Number(tables[0].n)).toBe(2);

    // The app's own pool keeps the configured timeout.
    const [shown] = await app.ds.query('SHOW statement_timeout');
    expect(shown.statement_timeout).toBe(`${TIMEOUT_MS}ms`);
    await expect(app.ds.query('SELECT pg_sleep(1)')).rejects.toThrow(/statement timeout/);
  });
});
