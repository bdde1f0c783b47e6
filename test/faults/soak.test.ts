import type { ChildProcess } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { createClient } from 'graphql-ws';
import type { Client } from 'graphql-ws';
import WebSocket from 'ws';
import type { JobEvent } from '../../src/model/job-event';
import { exited, startStack } from '../helpers/stack';
import type { Stack } from '../helpers/stack';
import { freePort } from '../helpers/temporal-server';
import {
  cpuMsOf,
  median,
  mib,
  rssOf,
  sleep,
  storeAgainstStream,
  streamEvents,
  drill,
} from '../helpers/faults';

/** Length of the load, s: 20 in CI; the bench's full mode runs it with SOAK_SECONDS=180. */
const SECONDS = Number(process.env.SOAK_SECONDS ?? 20);
const JOBS_PER_SECOND = Number(process.env.SOAK_RATE ?? 300);
/** Shortest run whose RSS growth is judged (see the assertion). */
const MEMORY_JUDGED_FROM_SECONDS = 120;
const TENANTS = 10;
/**
 * The 20 subscribers of each tenant (200 in all), as a dashboard has them: a
 * few watch every event of the tenant, some watch for trouble, most follow one
 * long job each.
 */
const FIREHOSE = 2;
const TROUBLE = 8;
const TRACKERS = 10;
/** One job in this many is `flaky` (fails once, then succeeds), so RETRYING events flow too. */
const FLAKY_EVERY = 20;
const TICK_MS = 100;

const SUBMIT_MANY = 'mutation($i: [SubmitJobInput!]!) { submitJobs(inputs: $i) { id } }';
const WATCH =
  'subscription($after: ID, $f: JobEventFilter) { jobEvents(after: $after, filter: $f) { id } }';

interface Subscriber {
  what: string;
  matches: (e: JobEvent) => boolean;
  ids: string[];
  errors: unknown[];
  closed: boolean;
  client: Client;
}

/**
 * Drill 7: steady load with many watchers. The gateway, the aggregator and the
 * worker run as their own processes, as in production; this process is only
 * the clients, and samples the gateway's RSS and CPU from /proc.
 */
drill('soak', () => {
  let stack: Stack;
  const children: ChildProcess[] = [];
  const subscribers: Subscriber[] = [];
  beforeAll(async () => {
    stack = await startStack({
      aggregator: false,
      bullmqWorker: false,
      env: { RATE_LIMIT_PER_SECOND: '0' },
    });
  });
  afterAll(async () => {
    await Promise.all(subscribers.map((s) => s.client.dispose()));
    for (const c of children) c.kill('SIGTERM');
    await Promise.all(children.map((c) => exited(c)));
    await stack.close();
  });

  it(
    `holds ${JOBS_PER_SECOND} jobs/s for ${SECONDS} s with ${TENANTS * (FIREHOSE + TROUBLE + TRACKERS)} subscribers: no error, no event lost${SECONDS >= MEMORY_JUDGED_FROM_SECONDS ? ', RSS flat after the first third' : ' (RSS reported, judged in runs of 120 s or more)'}`,
    async () => {
      const prefix = stack.env.JOBGATE_PREFIX as string;
      const port = await freePort();
      const base = `http://127.0.0.1:${port}`;
      const env = {
        PORT: String(port),
        RATE_LIMIT_PER_SECOND: '0',
        MAX_SUBSCRIPTIONS_PER_KEY: '10000',
        LOG_LEVEL: 'warn',
      };
      const gateway = stack.spawn(['gateway'], env);
      const aggregator = stack.spawn(['aggregator'], env);
      const worker = stack.spawn(['worker', '--queues=default'], {
        ...env,
        WORKER_CONCURRENCY: '200',
      });
      children.push(gateway, aggregator, worker);
      const cpu = (): Record<string, number> => ({
        gateway: cpuMsOf(gateway.pid as number),
        aggregator: cpuMsOf(aggregator.pid as number),
        worker: cpuMsOf(worker.pid as number),
        clients: (process.cpuUsage().user + process.cpuUsage().system) / 1000,
      });
      await stack.waitFor(
        async () => (await fetch(`${base}/readyz`).catch(() => null))?.ok,
        30_000,
        'the gateway process',
      );

      const operators: string[] = [];
      const viewers: string[] = [];
      for (let t = 0; t < TENANTS; t++) {
        operators.push(await stack.createKey(`soak-${t}`, 'OPERATOR'));
        viewers.push(await stack.createKey(`soak-${t}`, 'VIEWER'));
      }
      const cursor =
        (await stack.redis.xrevrange(`${prefix}:events`, '+', '-', 'COUNT', 1))[0]?.[0] ?? '0-0';
      // The long jobs the trackers follow: they run through the whole load, reporting progress.
      const tracked: string[][] = [];
      for (let t = 0; t < TENANTS; t++) {
        const r = await stack.gql<{ submitJobs: { id: string }[] }>(
          SUBMIT_MANY,
          {
            i: Array.from({ length: TRACKERS }, () => ({
              type: 'sleep',
              input: { ms: SECONDS * 1000 + 3000 },
            })),
          },
          operators[t],
        );
        tracked.push(r.data!.submitJobs.map((j) => j.id));
      }

      // Every subscriber on its own WebSocket, from a known cursor, so none misses the start.
      const acks: Promise<void>[] = [];
      const watch = (
        what: string,
        tenant: number,
        filter: Record<string, unknown> | null,
        matches: (e: JobEvent) => boolean,
      ): void => {
        let acked!: () => void;
        acks.push(new Promise<void>((r) => (acked = r)));
        const client = createClient({
          url: `${base.replace(/^http/, 'ws')}/graphql`,
          webSocketImpl: WebSocket,
          connectionParams: { authorization: `Bearer ${viewers[tenant]}` },
          retryAttempts: 0,
          lazy: true,
          on: { connected: () => acked() },
        });
        const s: Subscriber = {
          what,
          matches: (e) => e.tenant === `soak-${tenant}` && matches(e),
          ids: [],
          errors: [],
          closed: false,
          client,
        };
        client.subscribe<{ jobEvents: { id: string } }>(
          { query: WATCH, variables: { after: cursor, f: filter } },
          {
            next: (v) => {
              if (v.errors) s.errors.push(...v.errors);
              if (v.data) s.ids.push(v.data.jobEvents.id);
            },
            error: (e) => {
              s.errors.push(e);
              s.closed = true;
            },
            complete: () => {
              s.closed = true;
            },
          },
        );
        subscribers.push(s);
      };
      for (let t = 0; t < TENANTS; t++) {
        for (let i = 0; i < FIREHOSE; i++) watch('firehose', t, null, () => true);
        for (let i = 0; i < TROUBLE; i++)
          watch(
            'trouble',
            t,
            { types: ['RETRYING', 'FAILED'] },
            (e) => e.type === 'RETRYING' || e.type === 'FAILED',
          );
        for (const id of tracked[t]) watch('tracker', t, { jobId: id }, (e) => e.jobId === id);
      }
      await Promise.all(acks);

      // Steady load: every tick, one batch per tenant, JOBS_PER_SECOND in all.
      const perTick = (JOBS_PER_SECOND * TICK_MS) / 1000;
      const latencies: number[] = [];
      const failures: string[] = [];
      const rss: { at: number; bytes: number }[] = [];
      let accepted = 0;
      let submitted = 0;
      let seq = 0;
      const cpuBefore = cpu();
      const t0 = Date.now();
      const inFlight = new Set<Promise<void>>();
      for (let tick = 0; Date.now() - t0 < SECONDS * 1000; tick++) {
        for (let t = 0; t < TENANTS; t++) {
          const n = Math.floor(perTick / TENANTS) + (t < perTick % TENANTS ? 1 : 0);
          if (!n) continue;
          submitted += n;
          const inputs = Array.from({ length: n }, () =>
            ++seq % FLAKY_EVERY === 0
              ? { type: 'flaky', input: { failTimes: 1 } }
              : { type: 'echo', input: { seq } },
          );
          const started = Date.now();
          const p = fetch(`${base}/graphql`, {
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              authorization: `Bearer ${operators[t]}`,
            },
            body: JSON.stringify({ query: SUBMIT_MANY, variables: { i: inputs } }),
          })
            .then(async (res) => {
              const body = (await res.json()) as {
                data?: { submitJobs: unknown[] };
                errors?: { message: string }[];
              };
              if (body.data?.submitJobs) accepted += body.data.submitJobs.length;
              else failures.push(`${res.status} ${body.errors?.[0]?.message}`);
              latencies.push(Date.now() - started);
            })
            .catch((err: Error & { cause?: { code?: string } }) => {
              failures.push(`${err.message} (${err.cause?.code ?? String(err.cause)})`);
            })
            .finally(() => inFlight.delete(p));
          inFlight.add(p);
        }
        if (tick % (1000 / TICK_MS) === 0)
          rss.push({ at: Date.now() - t0, bytes: rssOf(gateway.pid as number) });
        // Keep the pace against the wall clock, so one slow tick does not lower the rate.
        await sleep(Math.max(0, t0 + (tick + 1) * TICK_MS - Date.now()));
      }
      const loadMs = Date.now() - t0;
      rss.push({ at: loadMs, bytes: rssOf(gateway.pid as number) });
      await Promise.all([...inFlight]);
      const cpuAfter = cpu();

      // Every job finishes; every event reaches every subscriber whose filter matches it, and the store.
      const jobs = accepted + TENANTS * TRACKERS;
      const events = await stack.waitFor(
        async () => {
          const all = await streamEvents(stack.redis, prefix, `(${cursor}`);
          return all.filter((e) => e.type === 'COMPLETED' || e.type === 'FAILED').length >= jobs
            ? all
            : null;
        },
        120_000,
        `all ${jobs} jobs to finish`,
      );
      const expected = subscribers.map((s) => events.filter(s.matches).map((e) => e.id));
      const drainStarted = Date.now();
      await stack.waitFor(
        async () => subscribers.every((s, i) => s.ids.length >= expected[i].length),
        120_000,
        'every subscriber to receive every matching event',
      );
      const drainMs = Date.now() - drainStarted;
      await stack.waitFor(
        async () => (await storeAgainstStream(stack, prefix)).missing.length === 0,
        120_000,
        'the store to catch up',
      );
      const store = await storeAgainstStream(stack, prefix);

      const sorted = [...latencies].sort((a, b) => a - b);
      const pick = (q: number): number =>
        sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
      // RSS growth after the first third of the run (the "after the first minute" of three).
      const baselineAt = loadMs / 3;
      const baseline = median(
        rss.filter((r) => Math.abs(r.at - baselineAt) <= 1500).map((r) => r.bytes),
      );
      const end = median(rss.slice(-3).map((r) => r.bytes));
      const growth = (end - baseline) / baseline;
      const wrong = subscribers.filter((s, i) => s.ids.join() !== expected[i].join());
      const figures = {
        seconds: Math.round(loadMs / 100) / 10,
        jobsPerSecond: Math.round((accepted / loadMs) * 1000),
        accepted,
        events: events.length,
        subscribers: subscribers.length,
        pushes: subscribers.reduce((n, s) => n + s.ids.length, 0),
        pushesPerSecond: Math.round(
          subscribers.reduce((n, s) => n + s.ids.length, 0) / (loadMs / 1000),
        ),
        submitLatencyMs: { p50: pick(0.5), p99: pick(0.99), max: pick(1) },
        subscriberDrainAfterLoadMs: drainMs,
        gatewayRss: {
          start: mib(rss[0].bytes),
          afterFirstThird: mib(baseline),
          end: mib(end),
          max: mib(Math.max(...rss.map((r) => r.bytes))),
          growthPercent: Math.round(growth * 1000) / 10,
        },
        cpuPercentDuringLoad: Object.fromEntries(
          Object.keys(cpuBefore).map((k) => [
            k,
            Math.round(((cpuAfter[k] - cpuBefore[k]) / loadMs) * 100),
          ]),
        ),
        // What else the machine was doing: figures taken on a busy machine are not the gateway's alone.
        machine: { cpus: cpus().length, loadAverage1m: Math.round(loadavg()[0] * 10) / 10 },
        failures: failures.length,
        subscriberErrors: subscribers.reduce((n, s) => n + s.errors.length, 0),
        subscribersWithGapsOrDuplicates: wrong.length,
        stored: store.stored,
      };
      console.log(`soak: ${JSON.stringify(figures)}`);

      expect(failures.slice(0, 5)).toEqual([]);
      expect(accepted).toBe(submitted);
      expect(figures.jobsPerSecond).toBeGreaterThanOrEqual(JOBS_PER_SECOND * 0.95);
      expect(subscribers.filter((s) => s.errors.length || s.closed).map((s) => s.what)).toEqual([]);
      expect(wrong.map((s) => s.what)).toEqual([]);
      expect(store.missing).toEqual([]);
      expect(store.extra).toEqual([]);
      // The memory criterion is the issue's: growth after the first minute of three. A short run
      // (CI's 20 s) ends while the heap is still warming up, so it reports the figure and judges
      // losses and errors only; `npm run bench` runs the full 3 minutes and judges memory too.
      if (SECONDS >= MEMORY_JUDGED_FROM_SECONDS) expect(growth).toBeLessThan(0.1);
    },
    (SECONDS + 420) * 1000,
  );
});
