import { Client } from 'pg';
import { DataSource } from 'typeorm';
import type { Logger as TypeormLogger } from 'typeorm';
import { Initial1732000000000 } from '../../migrations/1732000000000-initial';
import { AuditLog1732000000001 } from '../../migrations/1732000000001-audit-log';
import { JobsFillfactor1732000000002 } from '../../migrations/1732000000002-jobs-fillfactor';
import { JobTypes1732000000003 } from '../../migrations/1732000000003-job-types';
import { Schedules1732000000004 } from '../../migrations/1732000000004-schedules';
import { Retention1732000000005 } from '../../migrations/1732000000005-retention';
import { Flows1732000000006 } from '../../migrations/1732000000006-flows';
import { RefusedRecords1732000000010 } from '../../migrations/1732000000010-refused-records';
import { JobMaskedPaths1732000000011 } from '../../migrations/1732000000011-job-masked-paths';
import { JobFlowKeys1732000000012 } from '../../migrations/1732000000012-job-flow-keys';
import { ApiKeyEntity } from './entities/api-key.entity';
import { JobEventEntity } from './entities/job-event.entity';
import { JobEntity } from './entities/job.entity';

/** Counts SQL statements; tests and benchmarks read it to prove query counts stay constant. */
export class QueryCounter implements TypeormLogger {
  count = 0;
  logQuery(): void {
    this.count++;
  }
  logQueryError(): void {}
  logQuerySlow(): void {}
  logSchemaBuild(): void {}
  logMigration(): void {}
  log(): void {}
}

export const migrations = [
  Initial1732000000000,
  AuditLog1732000000001,
  JobsFillfactor1732000000002,
  JobTypes1732000000003,
  Schedules1732000000004,
  Retention1732000000005,
  Flows1732000000006,
  RefusedRecords1732000000010,
  JobMaskedPaths1732000000011,
  JobFlowKeys1732000000012,
];

/** Statement timeout of the pool of normal queries unless one is given, ms. */
export const DEFAULT_STATEMENT_TIMEOUT_MS = 15_000;

/**
 * A data source whose statements are cut off after `statementTimeoutMs`; 0 turns the timeout
 * off for its sessions, whatever the server or database sets (migrations: see {@link migrate}).
 */
export function createDataSource(
  url: string,
  counter = new QueryCounter(),
  poolSize = 10,
  statementTimeoutMs = DEFAULT_STATEMENT_TIMEOUT_MS,
): DataSource {
  return new DataSource({
    type: 'postgres',
    url,
    entities: [JobEntity, JobEventEntity, ApiKeyEntity],
    migrations,
    synchronize: false,
    migrationsRun: false,
    logging: ['query'],
    logger: counter,
    extra: {
      max: poolSize,
      connectionTimeoutMillis: 5000,
      // Set at connect, so every session of the pool starts with it.
      ...(statementTimeoutMs > 0
        ? { statement_timeout: statementTimeoutMs }
        : { options: '-c statement_timeout=0' }),
    },
  });
}

/** Creates the database named in `url` when it does not exist yet. */
export async function ensureDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new Client({ connectionString: admin.toString(), connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount === 0) {
      await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
    }
  } catch (err) {
    // Two processes creating it at once: the loser sees duplicate_database.
    if ((err as { code?: string }).code !== '42P04') throw err;
  } finally {
    await client.end();
  }
}

/**
 * Ensures the database, then applies pending migrations. They run on a data source of their own
 * with no statement timeout: waiting for another process's migration lock, or building an index
 * on a big table, may take longer than any normal query should.
 */
export async function migrate(url: string): Promise<string[]> {
  await ensureDatabase(url);
  const ds = createDataSource(url, new QueryCounter(), 2, 0);
  await ds.initialize();
  const runner = ds.createQueryRunner();
  try {
    // Several processes starting at once: one migrates, the others wait, then find nothing to do.
    await runner.query('SELECT pg_advisory_lock(727274)');
    const ran = await ds.runMigrations({ transaction: 'all' });
    return ran.map((m) => m.name);
  } finally {
    await runner.query('SELECT pg_advisory_unlock(727274)').catch(() => undefined);
    await runner.release();
    await ds.destroy();
  }
}
