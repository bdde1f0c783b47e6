import { Redis } from 'ioredis';
import { startBenchStack, REDIS_URL } from '../lib/bench-stack';
import type { BenchStack } from '../lib/bench-stack';
import {
  EventTail,
  FAIR_QUEUE,
  fairDefinitions,
  fairRun,
  KEYED,
  PLAIN,
  SUBMIT_KEYED,
  SUBMIT_PLAIN,
} from '../lib/fair-load';
import type { FairLoad, FairRun } from '../lib/fair-load';
import { startGatewayProcess } from '../lib/gateway-process';
import type { GatewayProcess } from '../lib/gateway-process';
import { GqlHttp } from '../lib/gql-http';
import { closedLoop } from '../lib/load';
import { alternate, round } from '../lib/metric';
import type { BenchContext, MetricResult } from '../lib/metric';
import { median } from '../lib/stats';

/** Per-key concurrency limit of the keyed types: above the worker's concurrency, so it never binds. */
const LIMIT = 50;
/** The worker's concurrency (the config's default, stated so the row does not move with it). */
const WORKER_CONCURRENCY = 16;
const SUBMIT = 'mutation($i: SubmitJobInput!) { submitJob(input: $i) { id } }';

const reps = (xs: number[], digits = 0): string => xs.map((x) => x.toFixed(digits)).join('/');

/**
 * Fairness under load on BULLMQ: 10 keys, the hot one submitting 100 times as many jobs as
 * each quiet one (hot backlog first), on a keyed type (concurrency on input.acct, limit 50)
 * and the same load on an unkeyed type, alternating in one run. Reports the quiet keys' p99
 * wait (STARTED - QUEUED, from the event stream), the run time of each, and submitJob
 * throughput of a keyed type against an unkeyed one (the submit-path cost of the fair turn).
 * The gateway is a `jobgate gateway` process; the worker runs in this process.
 */
export async function fairnessMetrics(ctx: BenchContext): Promise<MetricResult[]> {
  const q = ctx.quick;
  const n = q ? 1 : 3;
  const load: FairLoad = { keys: 10, hot: q ? 300 : 1000, quiet: q ? 3 : 10, sleepMs: 5 };
  const runMs = q ? 1000 : 5000;
  const warmMs = q ? 500 : 2000;
  let stack: BenchStack | null = null;
  let gateway: GatewayProcess | null = null;
  let http: GqlHttp | null = null;
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 2 });
  const results: MetricResult[] = [];
  const push = (r: MetricResult): void => {
    results.push(r);
    ctx.say(`${r.name}: ${r.jobgate} vs ${r.baseline} ${r.unit}, ratio ${r.ratio} (${r.target})`);
  };
  try {
    stack = await startBenchStack({
      database: 'jobgate_bench',
      gateway: false,
      aggregator: false,
      jobs: fairDefinitions(LIMIT),
      bullmqWorker: [FAIR_QUEUE],
      env: { WORKER_CONCURRENCY: String(WORKER_CONCURRENCY) },
    });
    gateway = await startGatewayProcess(stack.env);
    const gql = new GqlHttp(gateway.url, await stack.key('bench'), 64);
    http = gql;
    const tail = new EventTail(redis, `${stack.prefix}:events`);
    let run = 0;
    const once = (type: string, size: FairLoad): Promise<FairRun> =>
      fairRun(gql, tail, type, size, `r${run++}`);
    const total = load.hot + load.quiet * (load.keys - 1);
    ctx.say(
      `fairness: warm-up, then ${n} × ${total} jobs per side (hot ${load.hot}, ${load.keys - 1} quiet × ${load.quiet}), worker concurrency ${WORKER_CONCURRENCY}`,
    );
    const warm = { ...load, hot: 100, quiet: 1 };
    await once(PLAIN, warm);
    await once(KEYED, warm);
    const fair = await alternate(
      n,
      () => once(PLAIN, load),
      () => once(KEYED, load),
    );
    const med = (rs: FairRun[], k: keyof FairRun): number => median(rs.map((r) => r[k]));
    const of = (rs: FairRun[], k: keyof FairRun): number[] => rs.map((r) => r[k]);
    const jgWait = med(fair.jobgate, 'quietP99');
    const rawWait = med(fair.baseline, 'quietP99');
    push({
      name: 'fair wait p99 (quiet keys)',
      unit: 'ms',
      jobgate: round(jgWait, 1),
      baseline: round(rawWait, 1),
      ratio: round(jgWait / rawWait, 3),
      target: 'keyed / unkeyed <= 0.5',
      pass: jgWait / rawWait <= 0.5,
      notes: `BULLMQ; ${load.keys} keys, hot key ${load.hot} jobs submitted first, then ${load.keys - 1} quiet keys × ${load.quiet} interleaved, submitJobs of 50, 8 in flight, ${load.sleepMs} ms jobs, worker concurrency ${WORKER_CONCURRENCY}; jobgate = keyed type (concurrency input.acct, limit ${LIMIT}), baseline = the same type unkeyed; wait = STARTED - QUEUED of each quiet job (p99 of ${load.quiet * (load.keys - 1)} is their max); quiet p99 reps keyed ${reps(of(fair.jobgate, 'quietP99'))}, unkeyed ${reps(of(fair.baseline, 'quietP99'))}; quiet p50 keyed ${med(fair.jobgate, 'quietP50').toFixed(0)}, unkeyed ${med(fair.baseline, 'quietP50').toFixed(0)}; hot p99 keyed ${med(fair.jobgate, 'hotP99').toFixed(0)}, unkeyed ${med(fair.baseline, 'hotP99').toFixed(0)}`,
    });
    const jgSpan = med(fair.jobgate, 'makespanMs');
    const rawSpan = med(fair.baseline, 'makespanMs');
    push({
      name: 'fair run time',
      unit: 'ms',
      jobgate: round(jgSpan, 0),
      baseline: round(rawSpan, 0),
      ratio: round(jgSpan / rawSpan),
      target: 'reported (the cost of the gate)',
      pass: null,
      notes: `the same runs: first submission to the last COMPLETED of ${total} jobs; reps keyed ${reps(of(fair.jobgate, 'makespanMs'))}, unkeyed ${reps(of(fair.baseline, 'makespanMs'))}`,
    });

    ctx.say(`keyed submit: warm-up, then ${n} × ${runMs} ms per side, 64 in flight`);
    let i = 0;
    const submitOne = (type: string) => (): Promise<unknown> =>
      gql.post(SUBMIT, { i: { type, input: { acct: `acct${i++ % load.keys}` } } });
    await closedLoop(submitOne(SUBMIT_PLAIN), 64, warmMs);
    await closedLoop(submitOne(SUBMIT_KEYED), 64, warmMs);
    const sub = await alternate(
      n,
      () => closedLoop(submitOne(SUBMIT_PLAIN), 64, runMs),
      () => closedLoop(submitOne(SUBMIT_KEYED), 64, runMs),
    );
    const jg = median(sub.jobgate.map((r) => r.rate));
    const raw = median(sub.baseline.map((r) => r.rate));
    push({
      name: 'keyed submit throughput',
      unit: 'jobs/s',
      jobgate: round(jg, 0),
      baseline: round(raw, 0),
      ratio: round(jg / raw),
      target: 'reported (the cost of the fair turn)',
      pass: null,
      notes: `submitJob over HTTP keep-alive, 64 in flight, of a keyed type (concurrency input.acct, limit ${LIMIT}; ${load.keys} keys in turn) vs an unkeyed one, on a queue no worker serves; runs of ${runMs} ms; keyed reps ${reps(sub.jobgate.map((r) => r.rate))}, unkeyed ${reps(sub.baseline.map((r) => r.rate))}`,
    });
    return results;
  } finally {
    http?.close();
    await gateway?.close();
    await stack?.close();
    redis.disconnect();
  }
}
