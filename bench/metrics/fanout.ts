import { Redis } from 'ioredis';
import { busKeys } from '../../src/bus/bus-keys';
import { BusEmitter } from '../../src/bus/event-emitter';
import type { NewJobEvent } from '../../src/model/job-event';
import { Backend, JobEventType, Role } from '../../src/model/enums';
import { REDIS_URL, startBenchStack } from '../lib/bench-stack';
import { alternate, round } from '../lib/metric';
import type { BenchContext, MetricResult } from '../lib/metric';
import { RawFanoutServer } from '../lib/raw-fanout-server';
import { median, sleep, wallMs } from '../lib/stats';
import { WsFleet } from '../lib/ws-fleet';
import type { FleetReport } from '../lib/ws-fleet-protocol';

const TENANTS = 10;
const RATE = 200;
export const SUBSCRIPTION = 'subscription { jobEvents { id jobId type message timestamp } }';

export const tenantName = (i: number): string => `tenant-${i % TENANTS}`;
const clientsOf = (tenant: string, subscribers: number): number => {
  const i = Number(tenant.slice('tenant-'.length));
  return Math.floor(subscribers / TENANTS) + (i < subscribers % TENANTS ? 1 : 0);
};

/** An event whose `message` is its emit time, or "probe". */
export const fanEvent = (tenant: string, message: string, n = 0): NewJobEvent => ({
  tenant,
  source: Backend.BULLMQ,
  type: JobEventType.PROGRESS,
  jobId: `fan-${n}`,
  jobType: 'echo',
  queue: 'default',
  progress: 50,
  message,
});

/** One probe event per tenant. */
export const probeAll = async (emitter: BusEmitter): Promise<void> => {
  await emitter.emit(Array.from({ length: TENANTS }, (_, i) => fanEvent(tenantName(i), 'probe')));
};

/** Emits `rate` events/s for `ms`, tenants in turn, each stamped just before its emit; returns the count per tenant. */
async function emitAtRate(
  emitter: BusEmitter,
  rate: number,
  ms: number,
): Promise<Record<string, number>> {
  const total = Math.round((rate * ms) / 1000);
  const interval = 1000 / rate;
  const perTenant: Record<string, number> = {};
  const calls: Promise<unknown>[] = [];
  const start = performance.now();
  let sent = 0;
  await new Promise<void>((resolve) => {
    const tick = (): void => {
      while (sent < total && start + sent * interval <= performance.now()) {
        const tenant = tenantName(sent);
        perTenant[tenant] = (perTenant[tenant] ?? 0) + 1;
        calls.push(emitter.emit([fanEvent(tenant, wallMs().toFixed(3), sent)]));
        sent++;
      }
      if (sent >= total) resolve();
      else setTimeout(tick, Math.max(0, start + sent * interval - performance.now()));
    };
    tick();
  });
  await Promise.all(calls);
  return perTenant;
}

async function oneRun(
  emitter: BusEmitter,
  fleet: WsFleet,
  ms: number,
  subscribers: number,
): Promise<FleetReport> {
  await fleet.request({ cmd: 'reset' });
  const perTenant = await emitAtRate(emitter, RATE, ms);
  // Clients are spread evenly over the tenants.
  const expected = Object.entries(perTenant).reduce(
    (a, [t, n]) => a + n * clientsOf(t, subscribers),
    0,
  );
  // Wait for the tail: until everything expected arrived, or nothing moved for 3 s.
  let last = -1;
  let still = Date.now();
  for (;;) {
    const s = await fleet.status();
    if (s.delivered >= expected) break;
    if (s.delivered !== last) {
      last = s.delivered;
      still = Date.now();
    } else if (Date.now() - still > 3000) break;
    await sleep(50);
  }
  await sleep(200); // Anything beyond the expected count would show up here as a surplus.
  return fleet.report(perTenant);
}

const exact = (r: FleetReport): boolean =>
  r.delivered === r.expected &&
  r.exactClients === r.clients &&
  r.outOfOrder === 0 &&
  r.errors === 0;

/**
 * fan-out latency: subscribers over 10 tenants, 200 events/s, from emit to
 * receipt in a separate client process; jobgate's graphql-ws gateway against
 * an ioredis subscriber that `ws.send`s the same events to raw sockets.
 */
export async function fanoutMetric(ctx: BenchContext): Promise<MetricResult[]> {
  const subscribers = ctx.quick ? 200 : 1000;
  const runMs = ctx.quick ? 2000 : 10_000;
  const reps = 3;
  const stack = await startBenchStack({
    database: 'jobgate_bench',
    gateway: true,
    aggregator: false,
    bullmqWorker: false,
  });
  const emitRedis = new Redis(REDIS_URL);
  const jgEmitter = new BusEmitter(emitRedis, busKeys(stack.prefix), 100_000);
  const rawKeys = busKeys(`${stack.prefix}:raw`);
  const rawEmitter = new BusEmitter(emitRedis, rawKeys, 100_000);
  const raw = new RawFanoutServer(REDIS_URL, rawKeys.channel);
  const jgFleet = WsFleet.spawn();
  const rawFleet = WsFleet.spawn();
  try {
    const rawUrl = await raw.start();
    const keys: Record<string, string> = {};
    for (let i = 0; i < TENANTS; i++)
      keys[tenantName(i)] = await stack.key(tenantName(i), Role.VIEWER);
    const clients = Array.from({ length: subscribers }, (_, i) => ({
      tenant: tenantName(i),
      key: keys[tenantName(i)],
    }));
    ctx.say(`fan-out: connecting ${subscribers} graphql-ws and ${subscribers} raw ws subscribers`);
    const c1 = await jgFleet.request<{ connected: number; failed: number; lastError: string }>({
      cmd: 'connect',
      url: stack.url.replace(/^http/, 'ws'),
      mode: 'gql',
      query: SUBSCRIPTION,
      clients,
      parallel: 50,
    });
    const c2 = await rawFleet.request<{ connected: number; failed: number; lastError: string }>({
      cmd: 'connect',
      url: rawUrl,
      mode: 'raw',
      query: '',
      clients,
      parallel: 50,
    });
    if (c1.failed || c2.failed)
      throw new Error(
        `subscribers failed to connect: jobgate ${c1.failed}, raw ${c2.failed}: ${c1.lastError || c2.lastError}`,
      );
    await jgFleet.waitLive(() => probeAll(jgEmitter), subscribers);
    await rawFleet.waitLive(() => probeAll(rawEmitter), subscribers);
    ctx.say(`fan-out: warm-up, then ${reps} × ${runMs} ms per side at ${RATE} events/s`);
    await oneRun(rawEmitter, rawFleet, ctx.quick ? 500 : 2000, subscribers);
    await oneRun(jgEmitter, jgFleet, ctx.quick ? 500 : 2000, subscribers);
    const runs = await alternate(
      reps,
      () => oneRun(rawEmitter, rawFleet, runMs, subscribers),
      () => oneRun(jgEmitter, jgFleet, runMs, subscribers),
    );
    const p = (rs: FleetReport[], k: 'p50' | 'p99'): number => median(rs.map((r) => r[k]));
    const allExact = runs.jobgate.every(exact);
    const rawExact = runs.baseline.every(exact);
    const delivered = runs.jobgate.map((r) => `${r.delivered}/${r.expected}`).join(', ');
    const jg99 = p(runs.jobgate, 'p99');
    const raw99 = p(runs.baseline, 'p99');
    return [
      {
        name: 'fan-out latency p50',
        unit: 'ms',
        jobgate: round(p(runs.jobgate, 'p50')),
        baseline: round(p(runs.baseline, 'p50')),
        ratio: round(p(runs.jobgate, 'p50') / p(runs.baseline, 'p50')),
        target: 'reported (target is on p99)',
        pass: null,
        notes: `${subscribers} subscribers over ${TENANTS} tenants, ${RATE} events/s for ${runMs} ms, emit to receipt in a separate client process`,
      },
      {
        name: 'fan-out latency p99',
        unit: 'ms',
        jobgate: round(jg99),
        baseline: round(raw99),
        ratio: round(jg99 / raw99),
        target: 'p99 ratio <= 2, delivered = expected',
        pass: jg99 / raw99 <= 2 && allExact,
        notes: `jobgate delivered ${delivered} (exact: ${allExact}; out of order ${runs.jobgate.reduce((a, r) => a + r.outOfOrder, 0)}, errors ${runs.jobgate.reduce((a, r) => a + r.errors, 0)}${runs.jobgate.find((r) => r.lastError)?.lastError ?? ''}); raw exact: ${rawExact}; p99 reps jobgate ${runs.jobgate.map((r) => r.p99.toFixed(1)).join('/')}, raw ${runs.baseline.map((r) => r.p99.toFixed(1)).join('/')}`,
      },
    ];
  } finally {
    await jgFleet.close();
    await rawFleet.close();
    await raw.close();
    emitRedis.disconnect();
    await stack.close();
  }
}
