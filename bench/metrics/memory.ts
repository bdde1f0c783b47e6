import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { busKeys } from '../../src/bus/bus-keys';
import { BusEmitter } from '../../src/bus/event-emitter';
import { migrate } from '../../src/store/data-source';
import { benchEnv, deletePrefix, dropDatabase, PG_BASE, rand, REDIS_URL } from '../lib/bench-stack';
import { alternate, round } from '../lib/metric';
import type { BenchContext, MetricResult } from '../lib/metric';
import { median, sleep } from '../lib/stats';
import { WsFleet } from '../lib/ws-fleet';
import { probeAll, SUBSCRIPTION, tenantName } from './fanout';

const DATABASE = 'jobgate_bench';

interface Sample {
  /** RSS growth per connection, bytes. */
  rss: number;
  /** Heap growth per connection, bytes. */
  heap: number;
}

type ServerMessage = {
  ready?: boolean;
  url?: string;
  keys?: Record<string, string>;
  mem?: NodeJS.MemoryUsage;
  error?: string;
};

function nextMessage(child: ChildProcess): Promise<ServerMessage> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null): void =>
      reject(new Error(`server child exited (${code})`));
    child.once('exit', onExit);
    child.once('message', (m: ServerMessage) => {
      child.off('exit', onExit);
      if (m.error) reject(new Error(m.error));
      else resolve(m);
    });
  });
}

/** A server child process with its own client fleet and emitter for probes. */
class SubServer {
  private last?: NodeJS.MemoryUsage;

  private constructor(
    private readonly mode: 'jobgate' | 'raw',
    private readonly prefix: string,
    private readonly server: ChildProcess,
    private readonly fleet: WsFleet,
    private readonly redis: Redis,
    private readonly ready: ServerMessage,
    private readonly tenants: string[],
  ) {}

  static async start(mode: 'jobgate' | 'raw', tenants: string[]): Promise<SubServer> {
    const prefix = `jgbench${rand()}`;
    const server = fork(join(__dirname, '..', 'children', 'sub-server.js'), [mode], {
      env: benchEnv(DATABASE, prefix, { BENCH_TENANTS: tenants.join(',') }),
      execArgv: ['--expose-gc'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const ready = nextMessage(server);
    const s = new SubServer(
      mode,
      prefix,
      server,
      WsFleet.spawn(),
      new Redis(REDIS_URL),
      await ready,
      tenants,
    );
    // Warm-up: load and compile every code path one subscription touches, then let it go.
    await s.connect(100);
    await s.fleet.request({ cmd: 'close' });
    await sleep(500);
    s.last = await s.memory();
    return s;
  }

  private async memory(): Promise<NodeJS.MemoryUsage> {
    const reply = nextMessage(this.server);
    this.server.send({ cmd: 'measure' });
    return (await reply).mem as NodeJS.MemoryUsage;
  }

  private async connect(n: number): Promise<void> {
    const keys = this.ready.keys ?? {};
    const clients = Array.from({ length: n }, (_, i) => {
      const tenant = this.tenants[i % this.tenants.length];
      return { tenant, key: keys[tenant] ?? '' };
    });
    const r = await this.fleet.request<{ connected: number; failed: number; lastError: string }>({
      cmd: 'connect',
      url: this.ready.url as string,
      mode: this.mode === 'jobgate' ? 'gql' : 'raw',
      query: SUBSCRIPTION,
      clients,
      parallel: 50,
    });
    if (r.failed) throw new Error(`${r.failed} ${this.mode} connections failed: ${r.lastError}`);
    const emitter = new BusEmitter(this.redis, busKeys(this.prefix), 10_000);
    const open = (await this.fleet.status()).open;
    await this.fleet.waitLive(() => probeAll(emitter), open, 120_000);
  }

  /** Opens `n` more idle subscriptions; growth per subscription since the last measure. */
  async grow(n: number): Promise<Sample> {
    await this.connect(n);
    await sleep(500);
    const before = this.last as NodeJS.MemoryUsage;
    const after = await this.memory();
    this.last = after;
    return { rss: (after.rss - before.rss) / n, heap: (after.heapUsed - before.heapUsed) / n };
  }

  async stop(): Promise<void> {
    await this.fleet.close();
    const exited = new Promise<void>((r) =>
      this.server.exitCode !== null ? r() : this.server.once('exit', () => r()),
    );
    if (this.server.connected) this.server.send({ cmd: 'stop' });
    await Promise.race([exited, sleep(10_000)]);
    if (this.server.exitCode === null) this.server.kill('SIGKILL');
    await deletePrefix(this.redis, this.prefix);
    this.redis.disconnect();
  }
}

/** One fresh server process: growth over `n` idle subscriptions. */
async function fresh(mode: 'jobgate' | 'raw', n: number, tenants: string[]): Promise<Sample> {
  const s = await SubServer.start(mode, tenants);
  try {
    return await s.grow(n);
  } finally {
    await s.stop();
  }
}

/** memory per subscription: RSS growth per idle jobEvents subscription vs per idle raw ws connection. */
export async function memoryMetric(ctx: BenchContext): Promise<MetricResult[]> {
  const n = ctx.quick ? 500 : 10_000;
  const reps = 3;
  const tenants = Array.from({ length: 10 }, (_, i) => tenantName(i));
  await dropDatabase(DATABASE);
  await migrate(`${PG_BASE}/${DATABASE}`);
  try {
    let runs: { baseline: Sample[]; jobgate: Sample[] };
    if (ctx.quick) {
      // Quick: one process per side, each repetition adds n more subscriptions.
      ctx.say(`memory: ${reps} × ${n} more idle connections per side, one process per side`);
      const [raw, jobgate] = [
        await SubServer.start('raw', tenants),
        await SubServer.start('jobgate', tenants),
      ];
      try {
        runs = await alternate(
          reps,
          () => raw.grow(n),
          () => jobgate.grow(n),
        );
      } finally {
        await raw.stop();
        await jobgate.stop();
      }
    } else {
      ctx.say(`memory: ${reps} × ${n} idle connections per side, each in a fresh process`);
      runs = await alternate(
        reps,
        () => fresh('raw', n, tenants),
        () => fresh('jobgate', n, tenants),
      );
    }
    const jg = median(runs.jobgate.map((s) => s.rss));
    const raw = median(runs.baseline.map((s) => s.rss));
    const kb = (x: number): string => (x / 1024).toFixed(1);
    return [
      {
        name: 'memory per subscription',
        unit: 'KiB',
        jobgate: round(jg / 1024, 1),
        baseline: round(raw / 1024, 1),
        ratio: round(jg / raw),
        target: 'ratio <= 3',
        pass: jg / raw <= 3,
        notes: `RSS growth after GC over ${ctx.quick ? `${reps} steps of ${n}` : n} idle subscriptions (one graphql-ws connection each) vs ${n} idle raw ws connections; reps KiB jobgate ${runs.jobgate.map((s) => kb(s.rss)).join('/')}, raw ${runs.baseline.map((s) => kb(s.rss)).join('/')}; JS heap per connection jobgate ${kb(median(runs.jobgate.map((s) => s.heap)))} KiB, raw ${kb(median(runs.baseline.map((s) => s.heap)))} KiB`,
      },
    ];
  } finally {
    await dropDatabase(DATABASE);
  }
}
