import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { Connection } from '@temporalio/client';
import type { Logger } from 'pino';

export interface DevServerOptions {
  /** Path of the `temporal` CLI binary (see scripts/ensure-temporal.sh). */
  binary: string;
  /** gRPC port of the frontend. */
  port: number;
  /** Web UI port. @defaultValue port + 1000 */
  uiPort?: number;
  /** SQLite file that keeps workflows across restarts. @defaultValue none: in memory */
  dbFile?: string;
  /** Namespace created at launch besides `default`. @defaultValue 'default' */
  namespace?: string;
  /** Receives the server's output at debug level, and start-up notes. */
  log?: Logger;
  /** Runs without the web UI. @defaultValue false */
  headless?: boolean;
  /** Address the server binds to. @defaultValue '127.0.0.1' */
  ip?: string;
  /** Longest wait for the frontend to answer, ms. @defaultValue 60000 */
  readyTimeoutMs?: number;
}

export interface DevServer {
  /** host:port of the gRPC frontend. */
  address: string;
  /** URL of the web UI, or null when headless. */
  uiUrl: string | null;
  stop(): Promise<void>;
}

const SEARCH_ATTRIBUTES = ['JobgateTenant=Keyword', 'JobgateJobType=Keyword'];
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Runs `fn` on a connection to `address` and always closes it: a failed
 * `Connection.connect` would leave its channel retrying (and the process alive).
 */
async function withConnection<T>(
  address: string,
  timeoutMs: number,
  fn: (c: Connection) => Promise<T>,
): Promise<T> {
  const c = Connection.lazy({ address, connectTimeout: timeoutMs });
  try {
    await c.ensureConnected();
    return await fn(c);
  } finally {
    await c.close();
  }
}

/** True when a Temporal frontend answers at `address` within `timeoutMs`. */
export async function temporalReachable(address: string, timeoutMs = 2000): Promise<boolean> {
  try {
    return await withConnection(address, timeoutMs, async () => true);
  } catch {
    return false;
  }
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((r) => child.once('exit', () => r()));
}

async function stopChild(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((r) => (timer = setTimeout(() => r(false), graceMs)));
  const done = await Promise.race([exited(child).then(() => true), late]);
  clearTimeout(timer);
  if (!done) {
    child.kill('SIGKILL');
    await exited(child);
  }
}

/** Waits until the frontend answers and the namespace exists. */
async function waitReady(
  child: ChildProcess,
  address: string,
  namespace: string,
  timeoutMs: number,
  output: () => string,
): Promise<void> {
  const until = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < until) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `temporal server start-dev exited (${child.exitCode ?? child.signalCode}) before answering:\n${output()}`,
      );
    }
    try {
      await withConnection(address, 1000, (c) =>
        c.workflowService.describeNamespace({ namespace }),
      );
      return;
    } catch (err) {
      lastError = err;
      await sleep(250);
    }
  }
  throw new Error(
    `Temporal dev server at ${address} did not answer within ${timeoutMs} ms: ${(lastError as Error)?.message}\n${output()}`,
  );
}

/**
 * Starts the real Temporal server (`temporal server start-dev`) as a child
 * process with jobgate's search attributes registered, and resolves once its
 * frontend answers. `stop` ends it (SIGTERM, then SIGKILL after 5 s).
 */
export async function startDevServer(o: DevServerOptions): Promise<DevServer> {
  const ip = o.ip ?? '127.0.0.1';
  const namespace = o.namespace ?? 'default';
  const uiPort = o.uiPort ?? o.port + 1000;
  const args = ['server', 'start-dev', '--ip', ip, '--port', String(o.port), '--log-level', 'warn'];
  for (const sa of SEARCH_ATTRIBUTES) args.push('--search-attribute', sa);
  // Fairness keys (per-key flow control) are dispatched fairly only with this matcher on.
  args.push('--dynamic-config-value', 'matching.enableFairness=true');
  if (namespace !== 'default') args.push('--namespace', namespace);
  if (o.dbFile) args.push('--db-filename', o.dbFile);
  if (o.headless) args.push('--headless');
  else args.push('--ui-port', String(uiPort));
  const child = spawn(o.binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let tail = '';
  const collect = (chunk: Buffer): void => {
    tail = (tail + chunk.toString()).slice(-4000);
    o.log?.debug({ component: 'temporal-dev-server' }, chunk.toString().trimEnd());
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const spawnError = new Promise<never>((_, reject) => child.once('error', reject));
  spawnError.catch(() => undefined);
  const address = `${ip}:${o.port}`;
  try {
    await Promise.race([
      waitReady(child, address, namespace, o.readyTimeoutMs ?? 60_000, () => tail),
      spawnError,
    ]);
  } catch (err) {
    await stopChild(child);
    throw err;
  }
  const uiUrl = o.headless ? null : `http://${ip}:${uiPort}`;
  o.log?.info({ address, uiUrl, dbFile: o.dbFile ?? null }, 'Temporal dev server started');
  return { address, uiUrl, stop: () => stopChild(child) };
}
