import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { createClient } from 'graphql-ws';
import type { Client } from 'graphql-ws';
import { Redis } from 'ioredis';
import { Client as PgClient } from 'pg';
import pino from 'pino';
import WebSocket from 'ws';
import * as examples from '../../examples';
import { startApp } from '../../src/compose/app';
import { definitionsOf } from '../../src/sdk/load-modules';
import type { App, AppParts } from '../../src/compose/app';
import { loadConfig } from '../../src/config';
import type { Config } from '../../src/config';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const PG_BASE = process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432';
export const CLI = join(__dirname, '..', '..', 'dist', 'src', 'cli', 'index.js');

export interface GqlResult<T = Record<string, any>> {
  data?: T | null;
  errors?: { message: string; extensions?: { code?: string; [k: string]: unknown } }[];
  status: number;
}

export interface Stack {
  app: App;
  config: Config;
  url: string;
  adminKey: string;
  /** Environment for a jobgate process that joins this stack. */
  env: NodeJS.ProcessEnv;
  gql<T = Record<string, any>>(
    query: string,
    variables?: Record<string, unknown>,
    key?: string | null,
  ): Promise<GqlResult<T>>;
  createKey(tenant: string, role: 'VIEWER' | 'OPERATOR' | 'ADMIN'): Promise<string>;
  ws(key?: string): Client;
  subscribe<T = any>(
    query: string,
    variables?: Record<string, unknown>,
    key?: string,
  ): Subscription<T>;
  waitFor<T>(
    probe: () => Promise<T | undefined | null | false>,
    timeoutMs?: number,
    what?: string,
  ): Promise<T>;
  spawn(args: string[], extraEnv?: NodeJS.ProcessEnv): ChildProcess;
  redis: Redis;
  close(): Promise<void>;
}

export interface Subscription<T> {
  items: T[];
  errors: unknown[];
  done: Promise<void>;
  dispose(): void;
}

export interface StackOptions extends AppParts {
  env?: Record<string, string>;
}

/** The bundled examples' definitions. */
export const exampleDefinitions = definitionsOf(examples);

const rand = (): string => randomBytes(5).toString('hex');

/** A jobgate app on its own Redis prefix and its own fresh Postgres database. */
export async function startStack(opts: StackOptions = {}): Promise<Stack> {
  const id = rand();
  const dbName = `jobgate_t_${id}`;
  const adminKey = `admin_${randomBytes(16).toString('hex')}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: '0',
    HOST: '127.0.0.1',
    REDIS_URL,
    DATABASE_URL: `${PG_BASE}/${dbName}`,
    JOBGATE_PREFIX: `t${id}`,
    JOBGATE_ADMIN_KEY: adminKey,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn',
    NODE_ENV: 'test',
    // Processes a test spawns reach for Temporal only when the stack has a TEMPORAL lane.
    TEMPORAL_ENABLED: opts.durableLane ? 'true' : 'false',
    // Suites fire requests far faster than a person; the limit has its own test.
    RATE_LIMIT_PER_SECOND: '0',
    // Suites send made-up keys on purpose (fuzzing, 401 checks); the per-address limit has its own test.
    AUTH_FAILURES_PER_MINUTE: '0',
    ...opts.env,
  };
  const config = loadConfig(env);
  const log = pino({ level: config.LOG_LEVEL });
  const app = await startApp(config, log, {
    aggregatorOptions: { claimIdleMs: 2000, blockMs: 200 },
    // The demo types, served by an in-process worker, as `jobgate start` does.
    jobs: exampleDefinitions,
    ...opts,
  });
  const url = `${app.url}/graphql`;
  const redis = new Redis(REDIS_URL);
  const clients: Client[] = [];
  const children: ChildProcess[] = [];

  const gql = async <T>(
    query: string,
    variables?: Record<string, unknown>,
    key: string | null = adminKey,
  ): Promise<GqlResult<T>> => {
    const res = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(key ? { authorization: `Bearer ${key}` } : {}),
      },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await res.json()) as GqlResult<T>;
    return { ...body, status: res.status };
  };

  const ws = (key: string = adminKey): Client => {
    const c = createClient({
      url: url.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${key}` },
      retryAttempts: 0,
      lazy: true,
    });
    clients.push(c);
    return c;
  };

  const subscribe = <T>(
    query: string,
    variables?: Record<string, unknown>,
    key?: string,
  ): Subscription<T> => {
    const client = ws(key);
    const items: T[] = [];
    const errors: unknown[] = [];
    let dispose = (): void => {};
    const done = new Promise<void>((resolve) => {
      dispose = client.subscribe<T>(
        { query, variables },
        {
          next: (v) => {
            if (v.errors) errors.push(...v.errors);
            if (v.data) items.push(v.data as T);
          },
          error: (e) => {
            errors.push(e);
            resolve();
          },
          complete: () => resolve(),
        },
      );
    });
    return { items, errors, done, dispose: () => dispose() };
  };

  const waitFor = async <T>(
    probe: () => Promise<T | undefined | null | false>,
    timeoutMs = 20_000,
    what = 'condition',
  ): Promise<T> => {
    const until = Date.now() + timeoutMs;
    let last: unknown;
    for (;;) {
      try {
        const v = await probe();
        if (v) return v as T;
      } catch (err) {
        last = err;
      }
      if (Date.now() > until)
        throw new Error(
          `timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`,
        );
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  return {
    app,
    config,
    url,
    adminKey,
    env,
    redis,
    gql,
    ws,
    subscribe,
    waitFor,
    createKey: async (tenant, role) => {
      const r = await gql<{ createApiKey: { secret: string } }>(
        'mutation($t: String!, $r: Role!) { createApiKey(tenant: $t, role: $r) { secret } }',
        { t: tenant, r: role },
      );
      if (!r.data) throw new Error(JSON.stringify(r.errors));
      return r.data.createApiKey.secret;
    },
    spawn: (args, extraEnv = {}) => {
      const child = spawn(process.execPath, [CLI, ...args], {
        env: { ...env, ...extraEnv },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child.stdout?.resume();
      child.stderr?.on('data', (d: Buffer) => {
        if (process.env.TEST_CHILD_LOGS) process.stderr.write(d);
      });
      children.push(child);
      return child;
    },
    close: async () => {
      for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
      await Promise.all(clients.map((c) => c.dispose()));
      await app.close();
      const keys: string[] = [];
      let cursor = '0';
      do {
        const [next, batch] = await redis.scan(
          cursor,
          'MATCH',
          `${env.JOBGATE_PREFIX}:*`,
          'COUNT',
          1000,
        );
        cursor = next;
        keys.push(...batch);
      } while (cursor !== '0');
      for (let i = 0; i < keys.length; i += 500) await redis.del(...keys.slice(i, i + 500));
      redis.disconnect();
      const pg = new PgClient({ connectionString: `${PG_BASE}/postgres` });
      await pg.connect();
      await pg.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
      await pg.end();
    },
  };
}

/** Resolves when a child process exits. */
export const exited = (c: ChildProcess): Promise<number | null> =>
  new Promise((r) =>
    c.exitCode !== null || c.signalCode !== null
      ? r(c.exitCode)
      : c.once('exit', (code) => r(code)),
  );
