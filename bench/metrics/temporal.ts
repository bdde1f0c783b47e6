import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import pino from 'pino';
import { startDevServer } from '../../src/lanes/temporal/dev-server';
import type { DevServer } from '../../src/lanes/temporal/dev-server';
import { TemporalLane } from '../../src/lanes/temporal/temporal-lane';
import {
  JOB_TYPE_ATTRIBUTE,
  PROCESSOR_WORKFLOW,
  taskQueueName,
  TENANT_ATTRIBUTE,
} from '../../src/lanes/temporal/contract';
import type { WorkflowJob } from '../../src/lanes/temporal/contract';
import { rand, startBenchStack } from '../lib/bench-stack';
import type { BenchStack } from '../lib/bench-stack';
import { GqlHttp } from '../lib/gql-http';
import { closedLoop } from '../lib/load';
import { alternate, notRun, round } from '../lib/metric';
import type { BenchContext, MetricResult } from '../lib/metric';
import { median } from '../lib/stats';

const NAME = 'Temporal start';
const UNIT = 'starts/s';
const TARGET = 'ratio >= 0.8';
const SUBMIT = 'mutation($i: SubmitJobInput!) { submitJob(input: $i) { id } }';

/** The Temporal CLI that scripts/ensure-temporal.sh installs (or TEMPORAL_BINARY). */
export const temporalBinary = (): string =>
  process.env.TEMPORAL_BINARY ?? resolve('.tools', 'bin', 'temporal');

function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.once('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => ok(port));
    });
  });
}

/**
 * Temporal start: `submitJob` routed to TEMPORAL over HTTP, 32 in flight,
 * against `client.workflow.start` with the same workflow options, 32 in
 * flight, on an in-memory dev server with no worker (starts only).
 */
export async function temporalMetric(ctx: BenchContext): Promise<MetricResult[]> {
  const binary = temporalBinary();
  if (!existsSync(binary))
    return [
      notRun(
        NAME,
        UNIT,
        TARGET,
        `no Temporal CLI at ${binary} (scripts/ensure-temporal.sh installs it)`,
      ),
    ];
  const runMs = ctx.quick ? 1000 : 5000;
  const warmMs = ctx.quick ? 500 : 2000;
  const reps = 3;
  let server: DevServer | null = null;
  let connection: Connection | null = null;
  let stack: BenchStack | null = null;
  let http: GqlHttp | null = null;
  try {
    server = await startDevServer({ binary, port: await freePort(), headless: true });
    const address = server.address;
    const prefix = `jgbench${rand()}`;
    const log = pino({ level: process.env.BENCH_LOG_LEVEL ?? 'warn' });
    stack = await startBenchStack({
      prefix,
      database: 'jobgate_bench',
      gateway: true,
      aggregator: false,
      bullmqWorker: false,
      env: { TEMPORAL_ADDRESS: address },
      durableLane: async ({ emitter, catalog }) =>
        TemporalLane.connect({ address, namespace: 'default', prefix, emitter, catalog, log }),
    });
    connection = await Connection.connect({ address });
    const client = new Client({ connection, namespace: 'default' });
    const taskQueue = taskQueueName(`${prefix}raw`, 'default');
    http = new GqlHttp(stack.url, await stack.key('bench'), 32);
    const gql = http;
    const jobgateStart = (): Promise<unknown> =>
      gql.post(SUBMIT, { i: { type: 'echo', backend: 'TEMPORAL', input: { n: 1 } } });
    const rawStart = (): Promise<unknown> => {
      const id = randomUUID();
      const arg: WorkflowJob = {
        job: { jobId: id, tenant: 'bench', jobType: 'echo', queue: 'default' },
        input: { n: 1 },
        maxAttempts: 3,
        backoffMs: 200,
        timeoutMs: 30_000,
      };
      return client.workflow.start(PROCESSOR_WORKFLOW, {
        workflowId: id,
        taskQueue,
        args: [arg],
        typedSearchAttributes: [
          { key: TENANT_ATTRIBUTE, value: 'bench' },
          { key: JOB_TYPE_ATTRIBUTE, value: 'echo' },
        ],
        retry: { maximumAttempts: 1 },
        workflowIdReusePolicy: 'ALLOW_DUPLICATE',
        workflowIdConflictPolicy: 'FAIL',
      });
    };
    ctx.say(`Temporal start: warm-up, then ${reps} × ${runMs} ms per side, 32 in flight`);
    await closedLoop(rawStart, 32, warmMs);
    await closedLoop(jobgateStart, 32, warmMs);
    const runs = await alternate(
      reps,
      () => closedLoop(rawStart, 32, runMs),
      () => closedLoop(jobgateStart, 32, runMs),
    );
    const jg = median(runs.jobgate.map((r) => r.rate));
    const raw = median(runs.baseline.map((r) => r.rate));
    return [
      {
        name: NAME,
        unit: UNIT,
        jobgate: round(jg, 0),
        baseline: round(raw, 0),
        ratio: round(jg / raw),
        target: TARGET,
        pass: jg / raw >= 0.8,
        notes: `submitJob(backend: TEMPORAL) over HTTP vs client.workflow.start with the same options (id, task queue, search attributes, retry policy), 32 in flight, dev server in memory, no worker; reps jobgate ${runs.jobgate.map((r) => r.rate.toFixed(0)).join('/')}, raw ${runs.baseline.map((r) => r.rate.toFixed(0)).join('/')}`,
      },
    ];
  } catch (err) {
    return [notRun(NAME, UNIT, TARGET, `failed: ${(err as Error).message.split('\n')[0]}`)];
  } finally {
    http?.close();
    await connection?.close();
    await stack?.close();
    await server?.stop();
  }
}
