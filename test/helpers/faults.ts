import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { createClient } from 'graphql-ws';
import type { Client } from 'graphql-ws';
import type { Redis } from 'ioredis';
import WebSocket from 'ws';
import { eventFromEntry } from '../../src/bus/event-emitter';
import type { JobEvent } from '../../src/model/job-event';
import { compareStreamIds } from '../../src/model/stream-id';
import type { Stack } from './stack';

const run = promisify(execFile);

/**
 * The drills stop Postgres, kill Redis connections and load the machine: they
 * must run alone, after the other suites, one at a time. They run under
 * `jest --runInBand` (as `npm test` runs test/faults) or with JOBGATE_FAULTS=1;
 * a plain parallel `jest` over every folder skips them.
 */
const alone =
  process.env.JOBGATE_FAULTS === '1' ||
  process.argv.includes('--runInBand') ||
  process.argv.includes('-i');
export const drill: jest.Describe = alone ? describe : describe.skip;
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * The Postgres cluster the drills stop and start, as `<version> <name>`.
 * @defaultValue the `main` cluster of the only version under /etc/postgresql
 */
export function postgresCluster(): [string, string] {
  const fromEnv = process.env.FAULT_PG_CLUSTER?.trim().split(/\s+/);
  if (fromEnv?.length === 2) return [fromEnv[0], fromEnv[1]];
  const versions = readdirSync('/etc/postgresql').sort();
  return [versions[versions.length - 1], 'main'];
}

const pgCtl = async (action: 'start' | 'stop'): Promise<void> => {
  const [version, name] = postgresCluster();
  const args = ['--skip-systemctl-redirect', version, name, action];
  if (action === 'stop') args.push('-m', 'fast');
  await run('pg_ctlcluster', args, { timeout: 60_000 });
};

const pgPort = (): string =>
  new URL(process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432').port || '5432';

/** True when the drills' Postgres accepts connections. */
export async function postgresUp(): Promise<boolean> {
  try {
    await run('pg_isready', ['-h', '127.0.0.1', '-p', pgPort(), '-q'], { timeout: 5000 });
    return true;
  } catch {
    return false;
  }
}

/** Stops the cluster (`-m fast`: open sessions are cut, as in a crash of the database host). */
export async function stopPostgres(): Promise<void> {
  await pgCtl('stop');
}

/** Starts the cluster again and waits until it accepts connections. */
export async function startPostgres(): Promise<void> {
  if (!(await postgresUp())) await pgCtl('start').catch(() => undefined);
  for (let i = 0; i < 120; i++) {
    if (await postgresUp()) return;
    await sleep(250);
  }
  throw new Error('Postgres did not come back within 30 s');
}

interface RedisClientInfo {
  id: string;
  name: string;
  port: number;
}

const clientList = async (redis: Redis, type: 'pubsub' | 'normal'): Promise<RedisClientInfo[]> => {
  const list = (await redis.call('CLIENT', 'LIST', 'TYPE', type)) as string;
  return list
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const f = Object.fromEntries(
        line.split(' ').map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
      );
      return {
        id: f.id,
        name: f.name ?? '',
        port: Number(f.addr?.slice(f.addr.lastIndexOf(':') + 1)),
      };
    });
};

/** Local ports of the TCP connections the given processes hold to the Redis port. */
async function redisPortsOf(pids: number[], redisPort = 6379): Promise<Set<number>> {
  const { stdout } = await run('ss', [
    '-tnpH',
    'state',
    'established',
    `( dport = :${redisPort} )`,
  ]);
  const mine = new Set(pids.map(String));
  const ports = new Set<number>();
  for (const line of stdout.split('\n')) {
    const owners = [...line.matchAll(/pid=(\d+)/g)].map((m) => m[1]);
    if (!owners.some((p) => mine.has(p))) continue;
    const local = line.trim().split(/\s+/)[2];
    if (local) ports.add(Number(local.slice(local.lastIndexOf(':') + 1)));
  }
  return ports;
}

/** How many connections the given processes hold to Redis. */
export async function redisConnectionsOf(pids: number[]): Promise<number> {
  return (await redisPortsOf(pids)).size;
}

/**
 * Kills the Redis connections of one type that belong to the given processes
 * (this test process and the stack's children), leaving every other client of
 * the shared Redis alone, and the connection issuing the kills. Returns the
 * names of the connections killed.
 */
export async function killRedisClients(
  redis: Redis,
  pids: number[],
  type: 'pubsub' | 'normal',
): Promise<string[]> {
  const ports = await redisPortsOf(pids);
  const own = String(await redis.call('CLIENT', 'ID'));
  const victims = (await clientList(redis, type)).filter((c) => ports.has(c.port) && c.id !== own);
  for (const v of victims) await redis.call('CLIENT', 'KILL', 'ID', v.id).catch(() => undefined);
  return victims.map((v) => v.name || `id ${v.id}`);
}

/** Every event in a stack's stream, in bus order. */
export async function streamEvents(redis: Redis, prefix: string, after = '-'): Promise<JobEvent[]> {
  const out: JobEvent[] = [];
  let start = after;
  for (;;) {
    const entries = await redis.xrange(`${prefix}:events`, start, '+', 'COUNT', 5000);
    out.push(...entries.map(([id, fields]) => eventFromEntry(id, fields)));
    if (entries.length < 5000) return out;
    start = `(${entries[entries.length - 1][0]}`;
  }
}

/** A stored event, as the aggregator wrote it. */
export interface StoredEvent {
  id: string;
  jobId: string;
  tenant: string;
  type: string;
  attempt: number | null;
  progress: number | null;
  activityId: string | null;
  message: string | null;
}

/** Every row of `job_events`, in bus order. */
export async function storedEvents(stack: Stack): Promise<StoredEvent[]> {
  const rows: {
    ms: string;
    seq: number;
    job_id: string;
    tenant: string;
    type: string;
    attempt: number | null;
    progress: number | null;
    activity_id: string | null;
    message: string | null;
  }[] = await stack.app.ds.query(
    'SELECT ms, seq, job_id, tenant, type, attempt, progress, activity_id, message FROM job_events ORDER BY ms, seq',
  );
  return rows.map((r) => ({
    id: `${r.ms}-${r.seq}`,
    jobId: r.job_id,
    tenant: r.tenant,
    type: r.type,
    attempt: r.attempt,
    progress: r.progress,
    activityId: r.activity_id,
    message: r.message,
  }));
}

/** Ids that occur more than once. */
export function duplicates(ids: string[]): string[] {
  const seen = new Set<string>();
  const dupes = new Set<string>();
  for (const id of ids) (seen.has(id) ? dupes : seen).add(id);
  return [...dupes];
}

/** True when `ids` is strictly increasing in bus order. */
export const inBusOrder = (ids: string[]): boolean =>
  ids.every((id, i) => i === 0 || compareStreamIds(ids[i - 1], id) < 0);

/**
 * Events emitted twice: the same job, type, attempt, progress and activity
 * within one run of the job (a QUEUED starts a new run). A recovered attempt
 * must be told apart from the one it replaces (a higher attempt number), or it
 * reads as a duplicate here.
 */
export function semanticDuplicates(
  events: Pick<StoredEvent, 'id' | 'jobId' | 'type' | 'attempt' | 'progress' | 'activityId'>[],
): string[] {
  const run = new Map<string, number>();
  const seen = new Set<string>();
  const dupes: string[] = [];
  for (const e of events) {
    if (e.type === 'QUEUED') run.set(e.jobId, (run.get(e.jobId) ?? 0) + 1);
    const k = [
      e.jobId,
      run.get(e.jobId) ?? 0,
      e.type,
      e.attempt ?? '',
      e.progress ?? '',
      e.activityId ?? '',
    ].join('|');
    if (seen.has(k)) dupes.push(`${e.id} ${k}`);
    seen.add(k);
  }
  return dupes;
}

/**
 * The store against the stream: the same ids, each once. Returns what is
 * missing from the store and what it holds that the stream does not.
 */
export async function storeAgainstStream(
  stack: Stack,
  prefix: string,
): Promise<{ stream: number; stored: number; missing: string[]; extra: string[] }> {
  const stream = (await streamEvents(stack.redis, prefix)).map((e) => e.id);
  const stored = (await storedEvents(stack)).map((e) => e.id);
  const inStore = new Set(stored);
  const inStream = new Set(stream);
  return {
    stream: stream.length,
    stored: stored.length,
    missing: stream.filter((id) => !inStore.has(id)),
    extra: stored.filter((id) => !inStream.has(id)),
  };
}

/** Waits until the aggregator has stored every entry of the stream. */
export async function waitForStoreToCatchUp(
  stack: Stack,
  prefix: string,
  timeoutMs = 60_000,
): Promise<void> {
  await stack.waitFor(
    async () => {
      const r = await storeAgainstStream(stack, prefix);
      return r.missing.length === 0;
    },
    timeoutMs,
    'the store to hold every event of the stream',
  );
}

/** An event as a watcher receives it. */
export interface WatchedEvent {
  id: string;
  jobId: string;
  type: string;
  attempt: number | null;
  progress: number | null;
}

export interface WatcherOptions {
  /** WebSocket URL; a function is asked again at each reconnect. */
  url: string | (() => string);
  key: string;
  filter?: Record<string, unknown>;
  /** Cursor of the first subscription. @defaultValue none: live from now */
  after?: string | null;
  /** Pause before a reconnect, ms. @defaultValue 200 */
  retryMs?: number;
}

const running = new Set<ResumingWatcher>();

/** Stops every watcher still running (call in afterAll, so a failed drill leaves none reconnecting). */
export async function stopWatchers(): Promise<void> {
  await Promise.all([...running].map((w) => w.stop()));
}

const WATCH =
  'subscription($after: ID, $f: JobEventFilter) { jobEvents(after: $after, filter: $f) { id jobId type attempt progress } }';

/**
 * A client that watches `jobEvents` the way a careful user does: when its
 * connection drops, it subscribes again with `after` set to the last id it
 * received. What it records is what a resuming subscriber sees.
 */
export class ResumingWatcher {
  readonly events: WatchedEvent[] = [];
  readonly errors: unknown[] = [];
  /** Times it connected again after a drop and resubscribed (failed attempts not counted). */
  resumes = 0;
  private client?: Client;
  private stopped = false;
  private connectedOnce = false;
  private ready!: () => void;
  /** Resolves once the server has acknowledged the first connection. */
  readonly started = new Promise<void>((r) => (this.ready = r));

  constructor(private readonly o: WatcherOptions) {}

  get ids(): string[] {
    return this.events.map((e) => e.id);
  }

  get last(): string | null {
    return this.events.at(-1)?.id ?? this.o.after ?? null;
  }

  start(): this {
    running.add(this);
    this.open(this.o.after ?? null);
    return this;
  }

  private open(after: string | null): void {
    if (this.stopped) return;
    const url = typeof this.o.url === 'function' ? this.o.url() : this.o.url;
    const client = createClient({
      url,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${this.o.key}` },
      retryAttempts: 0,
      lazy: true,
      on: {
        connected: () => {
          if (this.connectedOnce) this.resumes++;
          else this.ready();
          this.connectedOnce = true;
        },
      },
    });
    this.client = client;
    let closed = false;
    const again = (): void => {
      if (closed) return;
      closed = true;
      void client.dispose();
      if (this.stopped) return;
      setTimeout(() => this.open(this.last), this.o.retryMs ?? 200);
    };
    client.subscribe<{ jobEvents: WatchedEvent }>(
      { query: WATCH, variables: { after, f: this.o.filter ?? null } },
      {
        next: (v) => {
          if (v.errors) this.errors.push(...v.errors);
          if (v.data) this.events.push(v.data.jobEvents);
        },
        error: (e) => {
          // Network-level closes are expected in a drill; GraphQL errors are not.
          if (Array.isArray(e)) this.errors.push(...e);
          again();
        },
        complete: () => again(),
      },
    );
  }

  async stop(): Promise<void> {
    this.stopped = true;
    running.delete(this);
    await this.client?.dispose();
  }
}

/** Resident set size of a process, bytes (Linux). */
export function rssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /VmRSS:\s+(\d+)\s+kB/.exec(status);
  return kb ? Number(kb[1]) * 1024 : 0;
}

/** CPU time a process has used so far (user + system), ms (Linux). */
export function cpuMsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may contain spaces): utime and stime are the 12th and 13th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

/** Median of a list of numbers. */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s[(s.length - 1) >> 1] + s[s.length >> 1]) / 2 : 0;
}

export const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
