import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import type { BusKeys } from '../bus/bus-keys';
import type { BusEmitter } from '../bus/event-emitter';
import type { Config } from '../config';
import type { JobService } from '../jobs/job-service';
import type { BullmqLane } from '../lanes/bullmq/bullmq-lane';
import type { DurableLane } from '../lanes/temporal/durable-lane';
import type { JobTypeCatalog } from '../model/job-type';
import { Aggregator } from '../projection/aggregator';
import type { AggregatorOptions } from '../projection/aggregator';
import { Reconciler } from '../projection/reconciler';
import { storedThroughMs } from '../projection/stored-mark';
import { SubmissionRelay } from '../projection/submission-relay';
import type { Metrics } from '../server/metrics';
import type { EventStore } from '../store/event-store';
import type { JobStore } from '../store/job-store';
import { retentionPass } from './retention-pass';

/** What the aggregator side of a deployment needs. */
export interface AggregatorPartsDeps {
  config: Config;
  log: Logger;
  keys: BusKeys;
  /** The process's shared connection (non-blocking commands). */
  redis: Redis;
  ds: DataSource;
  jobStore: JobStore;
  eventStore: EventStore;
  metrics: Metrics;
  emitter: BusEmitter;
  bullmq: BullmqLane;
  durable: DurableLane | null;
  jobs: JobService;
  catalog: JobTypeCatalog;
  options?: AggregatorOptions;
}

/**
 * The parts that run once per deployment, beside the store's truth: the aggregator (event
 * stream -> Postgres), the submission relay (rows no engine got), the BullMQ reconciler (runs
 * whose final event never came) and the retention sweep. Each closer is pushed as its part
 * starts, so a failure half-way still closes what started.
 */
export async function startAggregatorParts(
  d: AggregatorPartsDeps,
  closers: (() => Promise<void>)[],
): Promise<Aggregator> {
  const { config, log } = d;
  const aggRedis = new Redis(config.REDIS_URL, {
    maxRetriesPerRequest: null,
    connectionName: 'jobgate-aggregator',
  });
  closers.push(async () => {
    aggRedis.disconnect();
  });
  const aggregator = new Aggregator(
    aggRedis,
    d.keys,
    d.ds,
    d.jobStore,
    d.eventStore,
    log.child({ part: 'aggregator' }),
    {
      batchSize: config.AGGREGATOR_BATCH,
      onBatch: (n) => d.metrics.aggregatorBatch(n),
      onRefused: (n) => d.metrics.recordsRefused('aggregator', n),
      ...d.options,
    },
  );
  await aggregator.start();
  closers.push(() => aggregator.stop());
  // The job rows are the submissions' outbox: the relay completes any a crash cut short.
  const relay = new SubmissionRelay(
    d.jobStore,
    d.durable ? [d.bullmq, d.durable] : [d.bullmq],
    log.child({ part: 'submission-relay' }),
    {
      intervalMs: config.RELAY_INTERVAL_MS,
      graceMs: config.RELAY_AFTER_MS,
      storedThrough: () => storedThroughMs(d.redis, d.keys),
    },
    undefined,
    (root, announce) => d.jobs.flows.redeliver(root, announce),
  );
  relay.start();
  closers.push(() => relay.stop());
  const retention = retentionPass(config, {
    ds: d.ds,
    bullmq: d.bullmq,
    catalog: d.catalog,
    metrics: d.metrics,
    log,
  });
  if (retention) {
    retention.start();
    closers.push(() => retention.stop());
  }
  // A BullMQ run whose end its worker never heard of gets its final event here.
  const reconciler = new Reconciler(
    d.jobStore,
    d.bullmq,
    d.emitter,
    log.child({ part: 'bullmq-reconciler' }),
    { intervalMs: config.RELAY_INTERVAL_MS, graceMs: config.RECONCILE_AFTER_MS },
  );
  reconciler.start();
  closers.push(() => reconciler.stop());
  return aggregator;
}
