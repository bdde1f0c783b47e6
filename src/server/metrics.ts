import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import type { RequestHandler } from 'express';
import { createHash, timingSafeEqual } from 'node:crypto';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Fixed-length digest, so comparing a header with the token takes the same time whatever it holds. */
const digest = (text: string): Buffer => createHash('sha256').update(text).digest();

/** How a job ended, as counted by {@link Metrics.jobFinished}. */
export type JobOutcome = 'completed' | 'failed' | 'cancelled';

/** One row of queue depth: how many jobs of `queue` are in `state` (waiting, active, delayed...). */
export interface QueueDepth {
  queue: string;
  state: string;
  count: number;
}

/** Where the gauges read their values, at scrape time. A missing source leaves its gauge out. */
export interface MetricsSources {
  /** Jobs per queue and state. */
  queueDepth?: () => Promise<QueueDepth[]>;
  /** Event stream entries not yet persisted by the aggregator. */
  busLag?: () => Promise<number>;
  /** Open GraphQL subscriptions on this gateway. */
  openSubscriptions?: () => number;
}

/** Options of {@link Metrics}. */
export interface MetricsOptions {
  /** Also export Node's process metrics (CPU, memory, event loop lag, GC). @defaultValue true */
  defaultMetrics?: boolean;
  /** Longest wait for one source during a scrape; a slow source is skipped and counted. @defaultValue 2000 */
  collectTimeoutMs?: number;
  /** Distinct GraphQL operation names kept as labels; further names count as `other`. @defaultValue 200 */
  maxOperationNames?: number;
}

const jobBuckets = [
  0.01,
  0.05,
  0.1,
  0.25,
  0.5,
  1,
  2.5,
  5,
  10,
  30,
  60,
  300,
  900,
  3600,
  4 * 3600,
  24 * 3600,
];
const operationBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const batchBuckets = [1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000];

/** Prometheus metrics of one jobgate process, on a registry of its own. */
export class Metrics {
  readonly registry = new Registry();
  private readonly submitted: Counter<'type' | 'backend'>;
  private readonly finished: Counter<'type' | 'backend' | 'outcome'>;
  private readonly duration: Histogram<'type' | 'backend' | 'outcome'>;
  private readonly batch: Histogram;
  private readonly operations: Histogram<'operation' | 'type' | 'outcome'>;
  private readonly collectErrors: Counter<'source'>;
  private readonly retention: Counter<'what'>;
  private readonly refused: Counter<'writer'>;
  private readonly operationNames = new Set<string>();
  private readonly pending = new Set<Promise<unknown>>();
  private readonly timeoutMs: number;
  private readonly maxOperationNames: number;

  constructor(sources: MetricsSources = {}, o: MetricsOptions = {}) {
    const registers = [this.registry];
    this.timeoutMs = o.collectTimeoutMs ?? 2000;
    this.maxOperationNames = o.maxOperationNames ?? 200;
    if (o.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry });

    this.submitted = new Counter({
      name: 'jobgate_jobs_submitted_total',
      help: 'Jobs accepted by submitJob/submitJobs, by type and backend',
      labelNames: ['type', 'backend'],
      registers,
    });
    this.finished = new Counter({
      name: 'jobgate_jobs_finished_total',
      help: 'Jobs that reached a final state, by type, backend and outcome (completed, failed, cancelled)',
      labelNames: ['type', 'backend', 'outcome'],
      registers,
    });
    this.duration = new Histogram({
      name: 'jobgate_job_duration_seconds',
      help: 'Time from start to a final state, by type, backend and outcome',
      labelNames: ['type', 'backend', 'outcome'],
      buckets: jobBuckets,
      registers,
    });
    this.batch = new Histogram({
      name: 'jobgate_aggregator_batch_size',
      help: 'Events written by the aggregator in one Postgres transaction',
      buckets: batchBuckets,
      registers,
    });
    this.operations = new Histogram({
      name: 'jobgate_graphql_operation_duration_seconds',
      help: 'GraphQL operations over HTTP, by operation name, type (query, mutation) and outcome (ok, error)',
      labelNames: ['operation', 'type', 'outcome'],
      buckets: operationBuckets,
      registers,
    });
    this.retention = new Counter({
      name: 'jobgate_retention_deleted_total',
      help: 'Rows and jobs the retention sweep deleted: jobs, events, audit, bullmqFailed',
      labelNames: ['what'],
      registers,
    });
    this.refused = new Counter({
      name: 'jobgate_refused_records_total',
      help: 'Records Postgres refused for what they hold, kept in refused_records instead, by writer (aggregator, audit)',
      labelNames: ['writer'],
      registers,
    });
    const { queueDepth, busLag, openSubscriptions } = sources;
    if (queueDepth) {
      const read = (): Promise<QueueDepth[] | undefined> => this.read('queue_depth', queueDepth);
      new Gauge({
        name: 'jobgate_queue_depth',
        help: 'Jobs in each BullMQ queue, by state',
        labelNames: ['queue', 'state'],
        registers,
        async collect() {
          const rows = await read();
          if (!rows) return;
          this.reset();
          for (const r of rows) this.set({ queue: r.queue, state: r.state }, r.count);
        },
      });
    }
    if (busLag) {
      const read = (): Promise<number | undefined> => this.read('bus_lag', busLag);
      new Gauge({
        name: 'jobgate_event_bus_lag',
        help: 'Event stream entries not yet persisted to Postgres by the aggregator',
        registers,
        async collect() {
          const n = await read();
          if (n !== undefined) this.set(n);
        },
      });
    }
    if (openSubscriptions) {
      const read = (): Promise<number | undefined> =>
        this.read('open_subscriptions', async () => openSubscriptions());
      new Gauge({
        name: 'jobgate_subscriptions_open',
        help: 'GraphQL subscriptions open on this gateway',
        registers,
        async collect() {
          const n = await read();
          if (n !== undefined) this.set(n);
        },
      });
    }
    // Registered after the gauges and collected once their sources settle, so a scrape reports its own failures.
    this.collectErrors = new Counter({
      name: 'jobgate_metrics_collect_errors_total',
      help: 'Scrapes where a metrics source failed or timed out, by source',
      labelNames: ['source'],
      registers,
      collect: async () => {
        await Promise.all([...this.pending]);
      },
    });
  }

  /** A source's value, or undefined (counted) when it fails or outlasts the timeout, so one bad source never fails a scrape. */
  private read<T>(source: string, fn: () => Promise<T>): Promise<T | undefined> {
    const p = this.settle(source, fn);
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
    return p;
  }

  private async settle<T>(source: string, fn: () => Promise<T>): Promise<T | undefined> {
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        fn(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`${source} timed out`)), this.timeoutMs);
        }),
      ]);
    } catch {
      this.collectErrors.inc({ source });
      return undefined;
    } finally {
      clearTimeout(timer);
    }
  }

  jobSubmitted(type: string, backend: string): void {
    this.submitted.inc({ type, backend });
  }

  jobFinished(type: string, backend: string, outcome: JobOutcome, durationMs: number): void {
    this.finished.inc({ type, backend, outcome });
    if (Number.isFinite(durationMs) && durationMs >= 0)
      this.duration.observe({ type, backend, outcome }, durationMs / 1000);
  }

  aggregatorBatch(size: number): void {
    this.batch.observe(size);
  }

  /** Counts what one retention sweep deleted. */
  retentionDeleted(what: string, n: number): void {
    this.retention.inc({ what }, n);
  }

  /** Counts records a batch writer kept in refused_records because Postgres refused them. */
  recordsRefused(writer: 'aggregator' | 'audit', n = 1): void {
    this.refused.inc({ writer }, n);
  }

  /** Records one GraphQL operation. Names come from clients, so only the first `maxOperationNames` become labels. */
  operation(name: string, durationMs: number, o: { type?: string; failed?: boolean } = {}): void {
    let operation = name.slice(0, 100) || 'anonymous';
    if (!this.operationNames.has(operation)) {
      if (this.operationNames.size >= this.maxOperationNames) operation = 'other';
      else this.operationNames.add(operation);
    }
    this.operations.observe(
      { operation, type: o.type ?? 'unknown', outcome: o.failed ? 'error' : 'ok' },
      durationMs / 1000,
    );
  }

  /**
   * `GET /metrics` in the Prometheus text format. With `token`, only a request carrying
   * `Authorization: Bearer <token>` is answered; any other gets 401.
   */
  route(token?: string): RequestHandler {
    const expected = token ? digest(`Bearer ${token}`) : null;
    return async (req, res) => {
      if (expected && !timingSafeEqual(digest(req.get('authorization') ?? ''), expected)) {
        res
          .status(401)
          .set('WWW-Authenticate', 'Bearer realm="metrics"')
          .type('text/plain')
          .send('metrics need Authorization: Bearer <METRICS_TOKEN>\n');
        return;
      }
      try {
        const body = await this.registry.metrics();
        res.set('Content-Type', this.registry.contentType).send(body);
      } catch (err) {
        res
          .status(500)
          .type('text/plain')
          .send(`metrics unavailable: ${(err as Error).message}\n`);
      }
    };
  }

  /** Times each GraphQL operation Apollo runs, by its operation name. */
  apolloPlugin<T extends BaseContext = BaseContext>(): ApolloServerPlugin<T> {
    return {
      requestDidStart: async () => {
        const started = performance.now();
        return {
          willSendResponse: async (rc) => {
            const body = rc.response.body;
            const failed =
              (rc.errors?.length ?? 0) > 0 ||
              (body.kind === 'single' && (body.singleResult.errors?.length ?? 0) > 0);
            const name =
              rc.operationName ??
              rc.request.operationName ??
              (rc.operation ? 'anonymous' : 'unparsed');
            this.operation(name, performance.now() - started, {
              type: rc.operation?.operation,
              failed,
            });
          },
        };
      },
    };
  }
}
