import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { Client as PgClient } from 'pg';
import pino from 'pino';
import type { Logger } from 'pino';
import { startApp } from '../../src/compose/app';
import type { App, AppParts } from '../../src/compose/app';
import { loadConfig } from '../../src/config';
import type { Config } from '../../src/config';
import { Role } from '../../src/model/enums';
import * as examples from '../../examples';
import { definitionsOf } from '../../src/sdk/load-modules';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
export const PG_BASE = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432';

export const rand = (): string => randomBytes(4).toString('hex');

export interface BenchStack {
  app: App;
  config: Config;
  prefix: string;
  /** http://host:port/graphql */
  url: string;
  adminKey: string;
  log: Logger;
  /** The environment the app was configured from (a gateway process of the bench reuses it). */
  env: NodeJS.ProcessEnv;
  /** A new API key of `tenant`. */
  key(tenant: string, role?: Role): Promise<string>;
  close(): Promise<void>;
}

export interface BenchStackOptions extends AppParts {
  /** Database name; dropped on close unless `keepDatabase`. */
  database: string;
  keepDatabase?: boolean;
  /** Redis key prefix (and Temporal task queue prefix). @defaultValue a random one */
  prefix?: string;
  env?: Record<string, string>;
}

/** Runs `sql` on the server's `postgres` database. */
export async function adminSql(sql: string): Promise<void> {
  const pg = new PgClient({ connectionString: `${PG_BASE}/postgres` });
  await pg.connect();
  try {
    await pg.query(sql);
  } finally {
    await pg.end();
  }
}

export const dropDatabase = (name: string): Promise<void> =>
  adminSql(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);

/** Deletes every Redis key under `prefix:`. */
export async function deletePrefix(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length) await redis.unlink(...keys);
  } while (cursor !== '0');
}

export function benchEnv(
  database: string,
  prefix: string,
  extra: Record<string, string> = {},
): NodeJS.ProcessEnv {
  return {
    ...process.env,
    PORT: '0',
    HOST: '127.0.0.1',
    REDIS_URL,
    DATABASE_URL: `${PG_BASE}/${database}`,
    JOBGATE_PREFIX: prefix,
    JOBGATE_ADMIN_KEY: `bench_admin_${randomBytes(16).toString('hex')}`,
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
    NODE_ENV: 'production',
    // Policy limits, not costs: the limiter still runs on every request, but never refuses one.
    RATE_LIMIT_PER_SECOND: '10000000',
    MAX_SUBSCRIPTIONS_PER_KEY: '1000000',
    ...extra,
  };
}

/** A jobgate app in this process, on its own Redis prefix and database; close() removes both. */
export async function startBenchStack(o: BenchStackOptions): Promise<BenchStack> {
  const prefix = o.prefix ?? `jgbench${rand()}`;
  const env = benchEnv(o.database, prefix, o.env);
  const config = loadConfig(env);
  const log = pino({ level: config.LOG_LEVEL });
  const { database, keepDatabase, prefix: _prefix, env: _env, ...parts } = o;
  // The demo types are registered (and served, where the parts ask for a worker).
  const app = await startApp(config, log, { jobs: definitionsOf(examples), ...parts });
  return {
    app,
    config,
    prefix,
    url: `${app.url}/graphql`,
    adminKey: config.JOBGATE_ADMIN_KEY as string,
    log,
    env,
    key: async (tenant, role = Role.OPERATOR) =>
      (await app.services.keys.create(tenant, role)).secret,
    close: async () => {
      await app.close();
      const redis = new Redis(REDIS_URL);
      try {
        await deletePrefix(redis, prefix);
      } finally {
        redis.disconnect();
      }
      if (!keepDatabase) await dropDatabase(database);
    },
  };
}
