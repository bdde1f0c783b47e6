import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import { KeyStore } from '../auth/key-store';
import { busKeys } from '../bus/bus-keys';
import type { BusKeys } from '../bus/bus-keys';
import { BusEmitter } from '../bus/event-emitter';
import type { Config } from '../config';
import { JobService } from '../jobs/job-service';
import { RegistryService } from '../jobs/registry-service';
import { BullmqLane } from '../lanes/bullmq/bullmq-lane';
import type { DurableLane } from '../lanes/temporal/durable-lane';
import { streamLag } from '../projection/aggregator';
import { TypeRegistry } from '../registry/type-registry';
import { WorkerPresence } from '../registry/worker-presence';
import { Metrics } from '../server/metrics';
import { createDataSource, migrate, QueryCounter } from '../store/data-source';
import { EventStore } from '../store/event-store';
import { JobStore } from '../store/job-store';
import type { AppParts } from './app-types';
import { scheduleParts } from './schedule-parts';
import type { ScheduleParts } from './schedule-parts';

/** What every process opens, whatever parts it runs: connections, stores, lanes, services. */
export interface Core {
  keys: BusKeys;
  redis: Redis;
  queries: QueryCounter;
  ds: DataSource;
  jobStore: JobStore;
  eventStore: EventStore;
  registry: TypeRegistry;
  presence: WorkerPresence;
  registryService: RegistryService;
  emitter: BusEmitter;
  bullmq: BullmqLane;
  durable: DurableLane | null;
  schedules: ScheduleParts;
  metrics: Metrics;
  jobs: JobService;
  keyStore: KeyStore;
}

/**
 * Opens the core in order, pushing each closer on `closers` as it opens (the caller closes
 * them in reverse when a later step fails). `openSubscriptions` reads the gateway, which is
 * started after the core.
 */
export async function openCore(
  config: Config,
  log: Logger,
  parts: AppParts,
  closers: (() => Promise<void>)[],
  openSubscriptions: () => number,
): Promise<Core> {
  if (parts.migrate !== false) {
    const ran = await migrate(config.DATABASE_URL);
    if (ran.length) log.info({ migrations: ran }, 'migrations applied');
  }
  const keys = busKeys(config.JOBGATE_PREFIX);
  // No auto-pipelining: ioredis builds a Pipeline for every batch, and a Pipeline copies
  // every script defined on the connection (BullMQ defines dozens here), about 48 KB per
  // command. Rounds of the same turn are joined by the Coalescer instead.
  const redis = new Redis(config.REDIS_URL, {
    maxRetriesPerRequest: 2,
    connectionName: 'jobgate',
  });
  closers.push(async () => {
    redis.disconnect();
  });
  await new Promise<void>((resolve, reject) => {
    redis.once('ready', resolve);
    redis.once('error', reject);
  });
  const queries = new QueryCounter();
  const ds = createDataSource(config.DATABASE_URL, queries, 10, config.DB_STATEMENT_TIMEOUT_MS);
  await ds.initialize();
  closers.push(() => ds.destroy());
  const jobStore = new JobStore(ds);
  const eventStore = new EventStore(ds);
  const registry = await TypeRegistry.open({
    ds,
    redis,
    redisUrl: config.REDIS_URL,
    prefix: config.JOBGATE_PREFIX,
    log: log.child({ part: 'registry' }),
    safetyRefreshMs: config.REGISTRY_REFRESH_MS,
    schemaLimits: { maxBytes: config.MAX_SCHEMA_BYTES, maxDepth: config.MAX_SCHEMA_DEPTH },
  });
  closers.push(() => registry.close());
  const presence = new WorkerPresence({
    redis,
    prefix: config.JOBGATE_PREFIX,
    log: log.child({ part: 'presence' }),
    lostAfterMs: config.WORKER_LOST_AFTER_MS,
  });
  const registryService = new RegistryService({
    catalog: registry,
    presence,
    jobs: jobStore,
    events: eventStore,
  });
  const emitter = new BusEmitter(redis, keys, config.EVENT_STREAM_MAXLEN);
  const bullmq = new BullmqLane(redis, config.JOBGATE_PREFIX, keys, emitter, registry);
  closers.push(() => bullmq.close());
  const durable = parts.durableLane
    ? await parts.durableLane({ emitter, jobs: jobStore, catalog: registry })
    : null;
  if (durable) closers.push(() => durable.close());
  const schedules = scheduleParts({
    ds,
    jobs: jobStore,
    emitter,
    catalog: registry,
    bullmq,
    durable,
    log: log.child({ part: 'schedules' }),
    maxPerTenant: config.MAX_SCHEDULES_PER_TENANT,
  });
  const metrics = new Metrics({
    queueDepth: async () =>
      (await bullmq.stats()).flatMap((s) =>
        (['waiting', 'active', 'delayed', 'completed', 'failed'] as const).map((state) => ({
          queue: s.name,
          state,
          count: s[state],
        })),
      ),
    busLag: () => streamLag(redis, keys),
    openSubscriptions,
  });
  const jobs = new JobService({
    jobs: jobStore,
    events: eventStore,
    bullmq,
    temporal: durable,
    catalog: registry,
    limits: {
      maxInputBytes: config.MAX_INPUT_BYTES,
      maxBatchSize: config.MAX_BATCH_SIZE,
      maxDelayedPerTenant: config.MAX_DELAYED_JOBS_PER_TENANT,
    },
    flowLimits: { maxNodes: config.FLOW_MAX_NODES, maxDepth: config.FLOW_MAX_DEPTH },
    onSubmitted: (submitted) => submitted.forEach((j) => metrics.jobSubmitted(j.type, j.backend)),
    onHandOverUnknown: (backend, handed, err) =>
      log.warn(
        { backend, jobs: handed.map((j) => j.id), err: err.message },
        'enqueue failed with the engine possibly holding the jobs: rows kept for the submission relay',
      ),
  });
  const keyStore = new KeyStore(ds, config.JOBGATE_ADMIN_KEY);
  return {
    keys,
    redis,
    queries,
    ds,
    jobStore,
    eventStore,
    registry,
    presence,
    registryService,
    emitter,
    bullmq,
    durable,
    schedules,
    metrics,
    jobs,
    keyStore,
  };
}
