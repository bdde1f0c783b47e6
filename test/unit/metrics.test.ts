import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import express from 'express';
import { Metrics } from '../../src/server/metrics';
import type { QueueDepth } from '../../src/server/metrics';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses the Prometheus text exposition format into samples. */
function parse(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`not an exposition line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g))
      labels[l[1]] = l[2];
    samples.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return samples;
}

const valueOf = (
  samples: Sample[],
  name: string,
  labels: Record<string, string> = {},
): number | undefined =>
  samples.find(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  )?.value;

const scrape = async (m: Metrics): Promise<Sample[]> => parse(await m.registry.metrics());

describe('Metrics', () => {
  it('counts submitted and finished jobs by type, backend and outcome', async () => {
    const m = new Metrics({}, { defaultMetrics: false });
    m.jobSubmitted('echo', 'BULLMQ');
    m.jobSubmitted('echo', 'BULLMQ');
    m.jobSubmitted('approval', 'TEMPORAL');
    m.jobFinished('echo', 'BULLMQ', 'completed', 120);
    m.jobFinished('echo', 'BULLMQ', 'failed', 4000);
    m.jobFinished('approval', 'TEMPORAL', 'cancelled', 90_000);
    const s = await scrape(m);
    expect(valueOf(s, 'jobgate_jobs_submitted_total', { type: 'echo', backend: 'BULLMQ' })).toBe(2);
    expect(
      valueOf(s, 'jobgate_jobs_submitted_total', { type: 'approval', backend: 'TEMPORAL' }),
    ).toBe(1);
    expect(valueOf(s, 'jobgate_jobs_finished_total', { type: 'echo', outcome: 'completed' })).toBe(
      1,
    );
    expect(valueOf(s, 'jobgate_jobs_finished_total', { type: 'echo', outcome: 'failed' })).toBe(1);
    expect(
      valueOf(s, 'jobgate_jobs_finished_total', {
        type: 'approval',
        backend: 'TEMPORAL',
        outcome: 'cancelled',
      }),
    ).toBe(1);
  });

  it('puts job durations in seconds into jobgate_job_duration_seconds buckets', async () => {
    const m = new Metrics({}, { defaultMetrics: false });
    m.jobFinished('echo', 'BULLMQ', 'completed', 120);
    m.jobFinished('echo', 'BULLMQ', 'completed', 800);
    m.jobFinished('echo', 'BULLMQ', 'completed', 3000);
    const s = await scrape(m);
    const bucket = (le: string): number | undefined =>
      valueOf(s, 'jobgate_job_duration_seconds_bucket', { type: 'echo', outcome: 'completed', le });
    expect(bucket('0.1')).toBe(0);
    expect(bucket('0.25')).toBe(1);
    expect(bucket('1')).toBe(2);
    expect(bucket('5')).toBe(3);
    expect(bucket('+Inf')).toBe(3);
    expect(valueOf(s, 'jobgate_job_duration_seconds_count', { type: 'echo' })).toBe(3);
    expect(valueOf(s, 'jobgate_job_duration_seconds_sum', { type: 'echo' })).toBeCloseTo(3.92);
  });

  it('records aggregator batch sizes', async () => {
    const m = new Metrics({}, { defaultMetrics: false });
    for (const n of [1, 40, 500]) m.aggregatorBatch(n);
    const s = await scrape(m);
    expect(valueOf(s, 'jobgate_aggregator_batch_size_count')).toBe(3);
    expect(valueOf(s, 'jobgate_aggregator_batch_size_sum')).toBe(541);
    expect(valueOf(s, 'jobgate_aggregator_batch_size_bucket', { le: '50' })).toBe(2);
  });

  it('reads queue depth, bus lag and open subscriptions from their sources at each scrape', async () => {
    let rows: QueueDepth[] = [
      { queue: 'default', state: 'waiting', count: 7 },
      { queue: 'default', state: 'active', count: 2 },
      { queue: 'reports', state: 'delayed', count: 1 },
    ];
    let lag = 42;
    let subs = 3;
    const m = new Metrics(
      { queueDepth: async () => rows, busLag: async () => lag, openSubscriptions: () => subs },
      { defaultMetrics: false },
    );
    let s = await scrape(m);
    expect(valueOf(s, 'jobgate_queue_depth', { queue: 'default', state: 'waiting' })).toBe(7);
    expect(valueOf(s, 'jobgate_queue_depth', { queue: 'reports', state: 'delayed' })).toBe(1);
    expect(valueOf(s, 'jobgate_event_bus_lag')).toBe(42);
    expect(valueOf(s, 'jobgate_subscriptions_open')).toBe(3);

    rows = [{ queue: 'default', state: 'waiting', count: 0 }];
    lag = 0;
    subs = 0;
    s = await scrape(m);
    expect(valueOf(s, 'jobgate_queue_depth', { queue: 'default', state: 'waiting' })).toBe(0);
    // A queue that is gone is not reported with its last value.
    expect(valueOf(s, 'jobgate_queue_depth', { queue: 'reports' })).toBeUndefined();
    expect(valueOf(s, 'jobgate_event_bus_lag')).toBe(0);
    expect(valueOf(s, 'jobgate_subscriptions_open')).toBe(0);
  });

  it('still answers a scrape when a source fails or hangs, and counts it', async () => {
    const m = new Metrics(
      {
        queueDepth: () => Promise.reject(new Error('redis is down')),
        busLag: () => new Promise<number>(() => undefined),
        openSubscriptions: () => 1,
      },
      { defaultMetrics: false, collectTimeoutMs: 50 },
    );
    const s = await scrape(m);
    expect(valueOf(s, 'jobgate_subscriptions_open')).toBe(1);
    expect(valueOf(s, 'jobgate_metrics_collect_errors_total', { source: 'queue_depth' })).toBe(1);
    expect(valueOf(s, 'jobgate_metrics_collect_errors_total', { source: 'bus_lag' })).toBe(1);
  });

  it('exports the default process metrics', async () => {
    const s = await scrape(new Metrics());
    expect(valueOf(s, 'process_cpu_user_seconds_total')).toBeGreaterThanOrEqual(0);
    expect(valueOf(s, 'nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
  });

  it('keeps client-chosen operation names from growing the label set without bound', async () => {
    const m = new Metrics({}, { defaultMetrics: false, maxOperationNames: 2 });
    for (const name of ['A', 'B', 'C', 'D', 'A']) m.operation(name, 5, { type: 'query' });
    const s = await scrape(m);
    expect(valueOf(s, 'jobgate_graphql_operation_duration_seconds_count', { operation: 'A' })).toBe(
      2,
    );
    expect(valueOf(s, 'jobgate_graphql_operation_duration_seconds_count', { operation: 'B' })).toBe(
      1,
    );
    expect(
      valueOf(s, 'jobgate_graphql_operation_duration_seconds_count', { operation: 'other' }),
    ).toBe(2);
    expect(
      valueOf(s, 'jobgate_graphql_operation_duration_seconds_count', { operation: 'C' }),
    ).toBeUndefined();
  });
});

describe('Metrics.route', () => {
  let server: Server;
  let url: string;
  const m = new Metrics({ openSubscriptions: () => 5 });
  beforeAll(async () => {
    const app = express();
    app.get('/metrics', m.route());
    server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });

  it('serves GET /metrics in the Prometheus text format', async () => {
    m.jobSubmitted('echo', 'BULLMQ');
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain; version=0.0.4');
    const text = await res.text();
    expect(text).toContain('# TYPE jobgate_job_duration_seconds histogram');
    const s = parse(text);
    expect(valueOf(s, 'jobgate_jobs_submitted_total', { type: 'echo' })).toBe(1);
    expect(valueOf(s, 'jobgate_subscriptions_open')).toBe(5);
  });
});

describe('Metrics.apolloPlugin', () => {
  it('times each operation by its operation name, type and outcome', async () => {
    const m = new Metrics({}, { defaultMetrics: false });
    const apollo = new ApolloServer({
      typeDefs: 'type Query { hello: String, boom: String } type Mutation { touch: Boolean }',
      resolvers: {
        Query: {
          hello: () => 'world',
          boom: () => {
            throw new Error('boom');
          },
        },
        Mutation: { touch: () => true },
      },
      plugins: [m.apolloPlugin()],
    });
    await apollo.start();
    try {
      await apollo.executeOperation({ query: 'query Hello { hello }' });
      await apollo.executeOperation({ query: 'query Hello { hello }' });
      await apollo.executeOperation({ query: 'mutation Touch { touch }' });
      await apollo.executeOperation({ query: 'query Boom { boom }' });
      await apollo.executeOperation({ query: '{ hello }' });
      await apollo.executeOperation({ query: 'query Broken {' });
    } finally {
      await apollo.stop();
    }
    const s = await scrape(m);
    const count = (labels: Record<string, string>): number | undefined =>
      valueOf(s, 'jobgate_graphql_operation_duration_seconds_count', labels);
    expect(count({ operation: 'Hello', type: 'query', outcome: 'ok' })).toBe(2);
    expect(count({ operation: 'Touch', type: 'mutation', outcome: 'ok' })).toBe(1);
    expect(count({ operation: 'Boom', type: 'query', outcome: 'error' })).toBe(1);
    expect(count({ operation: 'anonymous', type: 'query' })).toBe(1);
    expect(count({ operation: 'unparsed', type: 'unknown', outcome: 'error' })).toBe(1);
    expect(
      valueOf(s, 'jobgate_graphql_operation_duration_seconds_sum', { operation: 'Hello' }),
    ).toBeGreaterThan(0);
  });
});
