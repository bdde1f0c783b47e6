import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import type { JobsOptions } from 'bullmq';
import { Redis } from 'ioredis';
import { createClient } from '../../src/client';
import { startBenchStack, REDIS_URL } from '../lib/bench-stack';
import { startGatewayProcess } from '../lib/gateway-process';
import { GqlHttp } from '../lib/gql-http';
import { closedLoop, openLoop, sequential } from '../lib/load';
import type { OpenLoopResult, SequentialResult } from '../lib/load';
import { alternate, round } from '../lib/metric';
import type { BenchContext, MetricResult } from '../lib/metric';
import { median } from '../lib/stats';

const SUBMIT = 'mutation($i: SubmitJobInput!) { submitJob(input: $i) { id } }';
const ME = '{ me { tenant } }';
const SUBMIT_MANY = 'mutation($is: [SubmitJobInput!]!) { submitJobs(inputs: $is) { id } }';
const BATCH = 50;

/** The options BullmqLane gives an `echo` job, so both sides ask BullMQ for the same work. */
const rawOptions = (): JobsOptions => ({
  jobId: randomUUID(),
  priority: 3,
  delay: 0,
  attempts: 3,
  backoff: { type: 'exponential', delay: 200, jitter: 0.5 },
  removeOnComplete: { age: 24 * 3600, count: 1000 },
  removeOnFail: false,
});

/**
 * lone submitJob latency (one at a time, against `{ me }` on the same server),
 * submit throughput (64 in flight), client submit (64 callers), bulk submit (submitJobs of 50,
 * 8 in flight) and open-loop submit latency, each against raw BullMQ in the same run.
 * The gateway runs as a deployment runs it: `jobgate gateway` in its own process, no worker,
 * no aggregator; the load generator and the raw BullMQ producer share this process.
 * BENCH_GATEWAY=inprocess runs the gateway inside this process instead (the A/B in BENCHMARKS.md).
 */
export async function submitMetrics(ctx: BenchContext): Promise<MetricResult[]> {
  const q = ctx.quick;
  const reps = 3;
  const runMs = q ? 1000 : 5000;
  const warmMs = q ? 500 : 2000;
  const latencyMs = q ? 1500 : 10_000;
  const loneCount = q ? 200 : 1500;
  const inProcess = process.env.BENCH_GATEWAY === 'inprocess';
  const stack = await startBenchStack({
    database: 'jobgate_bench',
    gateway: inProcess,
    aggregator: false,
    bullmqWorker: false,
  });
  const gateway = inProcess ? null : await startGatewayProcess(stack.env);
  const url = gateway?.url ?? stack.url;
  ctx.say(`submit: gateway ${gateway ? `in its own process (pid ${gateway.pid})` : 'in process'}`);
  const rawRedis = new Redis(REDIS_URL, { maxRetriesPerRequest: 2, enableAutoPipelining: true });
  const rawPrefix = `${stack.prefix}:raw`;
  const queue = new Queue('echo-raw', { connection: rawRedis, prefix: rawPrefix });
  const benchKey = await stack.key('bench');
  const http = new GqlHttp(url, benchKey, 64);
  // The producer client as users get it: concurrent submits in one tick share one submitJobs.
  const client = createClient({ url, apiKey: benchKey });
  let n = 0;
  const input = (): { type: string; input: { n: number } } => ({ type: 'echo', input: { n: n++ } });
  const gqlOne = (): Promise<unknown> => http.post(SUBMIT, { i: input() });
  const gqlMe = (): Promise<unknown> => http.post(ME);
  const rawOne = (): Promise<unknown> =>
    queue.add('echo', { tenant: 'bench', input: { n: n++ } }, rawOptions());
  const clientOne = (): Promise<unknown> => client.submit('echo', { n: n++ });
  const gqlMany = (): Promise<unknown> =>
    http.post(SUBMIT_MANY, { is: Array.from({ length: BATCH }, input) });
  const rawMany = (): Promise<unknown> =>
    queue.addBulk(
      Array.from({ length: BATCH }, () => ({
        name: 'echo',
        data: { tenant: 'bench', input: { n: n++ } },
        opts: rawOptions(),
      })),
    );
  const results: MetricResult[] = [];
  // Each row is also said as soon as it is known, so a later failure does not lose it.
  const push = (r: MetricResult): void => {
    results.push(r);
    ctx.say(`${r.name}: ${r.jobgate} vs ${r.baseline} ${r.unit}, ratio ${r.ratio} (${r.target})`);
  };
  try {
    // First, while nothing else has loaded Redis and Postgres: the cost of one submission on
    // an idle server, against the cheapest authenticated request of the same server.
    ctx.say(`lone submitJob: warm-up, then ${reps} × ${loneCount} sequential requests per side`);
    await sequential(gqlMe, Math.round(loneCount / 3));
    await sequential(gqlOne, Math.round(loneCount / 3));
    const lone = await alternate<SequentialResult>(
      reps,
      () => sequential(gqlMe, loneCount),
      () => sequential(gqlOne, loneCount),
    );
    const l = (rs: SequentialResult[], k: 'p50' | 'p99'): number => median(rs.map((r) => r[k]));
    const reps2 = (rs: SequentialResult[], k: 'p50' | 'p99'): string =>
      rs.map((r) => r[k].toFixed(2)).join('/');
    for (const [k, limit] of [
      ['p50', 2],
      ['p99', 4],
    ] as const) {
      const jgL = l(lone.jobgate, k);
      const meL = l(lone.baseline, k);
      push({
        name: `lone submitJob ${k}`,
        unit: 'ms',
        jobgate: round(jgL),
        baseline: round(meL),
        ratio: round(jgL / meL),
        target: `ratio to { me } <= ${limit}`,
        pass: jgL / meL <= limit,
        notes: `one submitJob at a time vs one { me } at a time on the same gateway, ${loneCount} requests per rep; submitJob ${k} reps ${reps2(lone.jobgate, k)}, { me } ${reps2(lone.baseline, k)}; max ${median(lone.jobgate.map((r) => r.max)).toFixed(1)} vs ${median(lone.baseline.map((r) => r.max)).toFixed(1)}`,
      });
    }

    ctx.say(`submit throughput: warm-up, then ${reps} × ${runMs} ms per side, 64 in flight`);
    await closedLoop(rawOne, 64, warmMs);
    await closedLoop(gqlOne, 64, warmMs);
    const one = await alternate(
      reps,
      () => closedLoop(rawOne, 64, runMs),
      () => closedLoop(gqlOne, 64, runMs),
    );
    const jg = median(one.jobgate.map((r) => r.rate));
    const raw = median(one.baseline.map((r) => r.rate));
    ctx.shared.submitRate = jg;
    push({
      name: 'submit throughput',
      unit: 'jobs/s',
      jobgate: round(jg, 0),
      baseline: round(raw, 0),
      ratio: round(jg / raw),
      target: 'ratio >= 0.25',
      pass: jg / raw >= 0.25,
      notes: `submitJob over HTTP keep-alive vs Queue.add, 64 in flight, echo jobs; runs of ${runMs} ms; jobgate reps ${one.jobgate.map((r) => r.rate.toFixed(0)).join('/')}, raw ${one.baseline.map((r) => r.rate.toFixed(0)).join('/')}`,
    });

    ctx.say(`client submit: warm-up, then ${reps} × ${runMs} ms per side, 64 concurrent callers`);
    await closedLoop(clientOne, 64, warmMs);
    const viaClient = await alternate(
      reps,
      () => closedLoop(rawOne, 64, runMs),
      () => closedLoop(clientOne, 64, runMs),
    );
    const jgClient = median(viaClient.jobgate.map((r) => r.rate));
    const rawClient = median(viaClient.baseline.map((r) => r.rate));
    push({
      name: 'client submit',
      unit: 'jobs/s',
      jobgate: round(jgClient, 0),
      baseline: round(rawClient, 0),
      ratio: round(jgClient / rawClient),
      target: 'ratio >= 0.5',
      pass: jgClient / rawClient >= 0.5,
      notes: `jobgate/client submit() from 64 concurrent callers (batched into submitJobs, each with an idempotency key) vs Queue.add, 64 in flight; runs of ${runMs} ms; jobgate reps ${viaClient.jobgate.map((r) => r.rate.toFixed(0)).join('/')}, raw ${viaClient.baseline.map((r) => r.rate.toFixed(0)).join('/')}`,
    });

    ctx.say(
      `bulk submit: warm-up, then ${reps} × ${runMs} ms per side, batches of ${BATCH}, 8 in flight`,
    );
    await closedLoop(rawMany, 8, warmMs, BATCH);
    await closedLoop(gqlMany, 8, warmMs, BATCH);
    const many = await alternate(
      reps,
      () => closedLoop(rawMany, 8, runMs, BATCH),
      () => closedLoop(gqlMany, 8, runMs, BATCH),
    );
    const jgMany = median(many.jobgate.map((r) => r.rate));
    const rawManyRate = median(many.baseline.map((r) => r.rate));
    push({
      name: 'bulk submit',
      unit: 'jobs/s',
      jobgate: round(jgMany, 0),
      baseline: round(rawManyRate, 0),
      ratio: round(jgMany / rawManyRate),
      target: 'ratio >= 0.8',
      pass: jgMany / rawManyRate >= 0.8,
      notes: `submitJobs(50 inputs) vs addBulk(50), 8 batches in flight; jobgate reps ${many.jobgate.map((r) => r.rate.toFixed(0)).join('/')}, raw ${many.baseline.map((r) => r.rate.toFixed(0)).join('/')}`,
    });

    // Both sides get the same offered load: half of jobgate's own maximum.
    const rate = Math.max(10, Math.round(jg / 2));
    ctx.say(
      `submit latency: open loop at ${rate}/s (half of jobgate's max), ${reps} × ${latencyMs} ms per side`,
    );
    await openLoop(rawOne, rate, warmMs);
    await openLoop(gqlOne, rate, warmMs);
    const lat = await alternate<OpenLoopResult>(
      reps,
      () => openLoop(rawOne, rate, latencyMs),
      () => openLoop(gqlOne, rate, latencyMs),
    );
    const p = (rs: OpenLoopResult[], k: 'p50' | 'p99'): number => median(rs.map((r) => r[k]));
    const jg99 = p(lat.jobgate, 'p99');
    const raw99 = p(lat.baseline, 'p99');
    push({
      name: 'submit latency p50',
      unit: 'ms',
      jobgate: round(p(lat.jobgate, 'p50')),
      baseline: round(p(lat.baseline, 'p50')),
      ratio: round(p(lat.jobgate, 'p50') / p(lat.baseline, 'p50')),
      target: 'reported (target is on p99)',
      pass: null,
      notes: `open loop at ${rate} submissions/s on both sides, latency from the scheduled send time`,
    });
    push({
      name: 'submit latency p99',
      unit: 'ms',
      jobgate: round(jg99),
      baseline: round(raw99),
      ratio: round(jg99 / raw99),
      target: 'p99 ratio <= 2',
      pass: jg99 / raw99 <= 2,
      notes: `open loop at ${rate}/s; jobgate p99 reps ${lat.jobgate.map((r) => r.p99.toFixed(1)).join('/')}, raw ${lat.baseline.map((r) => r.p99.toFixed(1)).join('/')}; jobgate achieved ${median(lat.jobgate.map((r) => r.achieved)).toFixed(0)}/s`,
    });
    return results;
  } finally {
    http.close();
    await client.close();
    await gateway?.close();
    await queue.close();
    rawRedis.disconnect();
    await stack.close();
  }
}
