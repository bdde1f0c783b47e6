import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
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
    // Its own process group: Ctrl-C reaches the terminal's whole group, and Redis must outlive
    // the workers and the gateway, which still talk to it while they stop. It is stopped last.
    { stdio: 'ignore', detached: true },
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

const temporalBinary = join(root, '.tools', 'bin', 'temporal');

/** Runs scripts/ensure-temporal.sh, which says what it does on stderr; resolves to its exit code. */
function buildTemporalCli(): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn('bash', [join(root, 'scripts', 'ensure-temporal.sh')], {
      cwd: root,
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    child.once('error', () => resolve(127));
    // Interrupted (Ctrl-C reaches the whole process group): 128 + the signal, as a shell says it.
    child.once('exit', (code, signal) =>
      resolve(code ?? 128 + (signal ? (osConstants.signals[signal] ?? 0) : 0)),
    );
  });
}

/**
 * Temporal, before anything is started: is a server answering at TEMPORAL_ADDRESS, or can the
 * dev server be run (building its CLI once when it is missing)? Throws, with what to do, when
 * neither, so that the stack never half-starts.
 */
async function prepareTemporal(config: Config): Promise<'reachable' | 'dev-server'> {
  if (await temporalReachable(config.TEMPORAL_ADDRESS)) return 'reachable';
  if (existsSync(temporalBinary)) return 'dev-server';
  const code = await buildTemporalCli();
  if (code === 0 && existsSync(temporalBinary)) return 'dev-server';
  throw new Error(
    code === 3
      ? 'jobgate: nothing was started (Go is missing; see above).'
      : code === 130 || code === 143
        ? 'jobgate: stopped while building the Temporal CLI; nothing was started.'
        : `jobgate: nothing was started: the Temporal CLI could not be built (scripts/ensure-temporal.sh exited ${code}). Point TEMPORAL_ADDRESS at a Temporal server that runs, or set TEMPORAL_ENABLED=false for the BullMQ lane alone.`,
  );
}

/** The Temporal dev server (SQLite under .data/, web UI on the gRPC port + 1000: 8233 by default). */
async function startTemporal(
  config: Config,
  log: Logger,
): Promise<{ started: Started; uiUrl: string | null }> {
  const binary = temporalBinary;
  const port = Number(config.TEMPORAL_ADDRESS.split(':').at(-1)) || 7233;
  mkdirSync(join(root, '.data'), { recursive: true });
  log.info({ port }, 'starting the Temporal dev server');
  const server = await startDevServer({
    binary,
    port,
    uiPort: port + 1000,
    dbFile: join(root, '.data', 'temporal.db'),
    namespace: config.TEMPORAL_NAMESPACE,
    log,
  });
  return {
    started: { name: 'temporal dev server', stop: () => server.stop() },
    uiUrl: server.uiUrl,
  };
}

/**
 * Brings up what the local stack lacks (Temporal only when TEMPORAL_ENABLED); returns what it
 * started (stop in reverse) and the Temporal UI URL. What Temporal needs is settled first, so a
 * missing Go or a failed build stops before anything runs.
 */
export async function ensureLocalStack(
  config: Config,
  log: Logger,
): Promise<{ started: Started[]; temporalUi: string | null }> {
  const temporal = config.TEMPORAL_ENABLED ? await prepareTemporal(config) : null;
  const started: Started[] = [];
  try {
    for (const s of [await ensureRedis(config, log), await ensurePostgres(config, log)])
      if (s) started.push(s);
    if (temporal !== 'dev-server') {
      // A server answers already (its UI most likely on the default port), or Temporal is off.
      return { started, temporalUi: temporal === 'reachable' ? 'http://localhost:8233' : null };
    }
    const t = await startTemporal(config, log);
    started.push(t.started);
    return { started, temporalUi: t.uiUrl };
  } catch (err) {
    for (const s of started.reverse()) await s.stop().catch(() => undefined);
    throw err;
  }
}
