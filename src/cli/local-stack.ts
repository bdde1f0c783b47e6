import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { Client } from 'pg';
import type { Logger } from 'pino';
import type { Config } from '../config';
import { startDevServer, temporalReachable } from '../lanes/temporal/dev-server';

/** Something `jobgate start` brought up itself and must stop on exit. */
export interface Started {
  name: string;
  stop(): Promise<void>;
}

const root = join(__dirname, '..', '..', '..');
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function redisAnswers(url: string): Promise<boolean> {
  const r = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: 1500,
  });
  r.on('error', () => undefined);
  try {
    await r.connect();
    await r.ping();
    return true;
  } catch {
    return false;
  } finally {
    r.disconnect();
  }
}

async function postgresAnswers(url: string): Promise<boolean> {
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const c = new Client({ connectionString: admin.toString(), connectionTimeoutMillis: 1500 });
  try {
    await c.connect();
    return true;
  } catch {
    return false;
  } finally {
    await c.end().catch(() => undefined);
  }
}

const onPath = (bin: string): boolean => spawnSync('sh', ['-c', `command -v ${bin}`]).status === 0;
const isLocal = (host: string): boolean =>
  ['localhost', '127.0.0.1', '::1', '[::1]'].includes(host);

async function waitUntil(probe: () => Promise<boolean>, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await probe()) return true;
    await sleep(300);
  }
  return false;
}

/** Redis: use it when it answers, else start a local redis-server (in memory) as a child. */
async function ensureRedis(config: Config, log: Logger): Promise<Started | null> {
  if (await redisAnswers(config.REDIS_URL)) return null;
  const u = new URL(config.REDIS_URL);
  if (!isLocal(u.hostname) || !onPath('redis-server')) {
    throw new Error(
      `Redis does not answer at ${config.REDIS_URL}. Start Redis there (e.g. 'redis-server'), or set REDIS_URL to one that runs.`,
    );
  }
  const port = u.port || '6379';
  log.info({ port }, 'starting redis-server');
  const child: ChildProcess = spawn(
    'redis-server',
    ['--port', port, '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  if (!(await waitUntil(() => redisAnswers(config.REDIS_URL), 10_000)))
    throw new Error('redis-server was started but does not answer');
  return {
    name: 'redis-server',
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r)));
    },
  };
}

/** Postgres: use it when it answers, else start the local cluster with pg_ctlcluster. */
async function ensurePostgres(config: Config, log: Logger): Promise<Started | null> {
  if (await postgresAnswers(config.DATABASE_URL)) return null;
  const u = new URL(config.DATABASE_URL);
  const versions = existsSync('/etc/postgresql') ? readdirSync('/etc/postgresql') : [];
  if (!isLocal(u.hostname) || !onPath('pg_ctlcluster') || versions.length === 0) {
    throw new Error(
      `PostgreSQL does not answer at ${u.host}. Start PostgreSQL there, or set DATABASE_URL to one that runs (trust or password auth).`,
    );
  }
  const version = versions.sort().at(-1) as string;
  log.info({ version }, 'starting PostgreSQL with pg_ctlcluster');
  const r = spawnSync('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', 'start'], {
    encoding: 'utf8',
  });
  if (r.status !== 0)
    throw new Error(`pg_ctlcluster could not start PostgreSQL ${version}: ${r.stderr || r.stdout}`);
  if (!(await waitUntil(() => postgresAnswers(config.DATABASE_URL), 20_000)))
    throw new Error('PostgreSQL was started but does not answer');
  return {
    name: 'postgresql',
    stop: async () => {
      spawnSync('pg_ctlcluster', [
        '--skip-systemctl-redirect',
        version,
        'main',
        'stop',
        '-m',
        'fast',
      ]);
    },
  };
}

/** Temporal: use it when it answers, else start the dev server (SQLite under .data/, UI on 8233). */
async function ensureTemporal(
  config: Config,
  log: Logger,
): Promise<{ started: Started | null; uiUrl: string | null }> {
  if (await temporalReachable(config.TEMPORAL_ADDRESS)) return { started: null, uiUrl: null };
  const binary = join(root, '.tools', 'bin', 'temporal');
  if (!existsSync(binary)) {
    throw new Error(
      `Temporal does not answer at ${config.TEMPORAL_ADDRESS} and ${binary} is missing: run 'bash scripts/ensure-temporal.sh' (npm start does), or set TEMPORAL_ADDRESS.`,
    );
  }
  const port = Number(config.TEMPORAL_ADDRESS.split(':').at(-1)) || 7233;
  mkdirSync(join(root, '.data'), { recursive: true });
  log.info({ port }, 'starting the Temporal dev server');
  const server = await startDevServer({
    binary,
    port,
    uiPort: 8233,
    dbFile: join(root, '.data', 'temporal.db'),
    namespace: config.TEMPORAL_NAMESPACE,
    log,
  });
  return {
    started: { name: 'temporal dev server', stop: () => server.stop() },
    uiUrl: server.uiUrl,
  };
}

/** Brings up what the local stack lacks; returns what it started (stop in reverse) and the Temporal UI URL. */
export async function ensureLocalStack(
  config: Config,
  log: Logger,
): Promise<{ started: Started[]; temporalUi: string | null }> {
  const started: Started[] = [];
  try {
    for (const s of [await ensureRedis(config, log), await ensurePostgres(config, log)])
      if (s) started.push(s);
    const t = await ensureTemporal(config, log);
    if (t.started) started.push(t.started);
    return { started, temporalUi: t.uiUrl ?? `http://localhost:8233` };
  } catch (err) {
    for (const s of started.reverse()) await s.stop().catch(() => undefined);
    throw err;
  }
}
