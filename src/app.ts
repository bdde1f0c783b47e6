import express from 'express';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import { startWorkerProcess } from './compose/worker-process';
import { startAggregatorParts } from './compose/aggregator-parts';
import { scheduleParts } from './compose/schedule-parts';
import { startGatewayParts } from './compose/gateway-parts';
import type { ScheduleService } from './jobs/schedule-service';
import { Backend } from './model/enums';
import type { JobTypeCatalog } from './model/job-type';
import type { Definition } from './sdk/definition-types';
import { resolveDefinitions } from './sdk/resolve';
import { KeyStore } from './auth/key-store';
import { streamLag } from './projection/aggregator';
import type { EventFeed } from './projection/event-feed';
import type { Gateway } from './server/gateway';
import type { AggregatorOptions, Aggregator } from './projection/aggregator';
import { busKeys } from './bus/bus-keys';
import { BusEmitter } from './bus/event-emitter';
import type { Config } from './config';
import { JobService } from './jobs/job-service';
import { RegistryService } from './jobs/registry-service';
import { TypeRegistry } from './registry/type-registry';
import { WorkerPresence } from './registry/worker-presence';
import { BullmqLane } from './lanes/bullmq/bullmq-lane';
import type { DurableLane } from './lanes/temporal/durable-lane';
import type { GatewayOptions } from './server/gateway';
import { Metrics } from './server/metrics';
import { createDataSource, migrate, QueryCounter } from './store/data-source';
import { EventStore } from './store/event-store';
import { JobStore } from './store/job-store';

/** Which parts run in this process. */
export interface AppParts {
  /** HTTP + WebSocket gateway. @defaultValue true */
  gateway?: boolean;
  /** Event stream -> Postgres. @defaultValue true */
  aggregator?: boolean;
  /** Definitions an in-process worker runs (registered on start). @defaultValue none: no worker */
  jobs?: Definition[];
  /** The in-process worker's BullMQ lane: false for none, or only these queues. @defaultValue every queue */
  bullmqWorker?: string[] | false;
  /** The in-process worker serves only these queues, on both lanes. @defaultValue every queue */
  workerQueues?: string[];
  /** The in-process worker also serves TEMPORAL (needs TEMPORAL_ENABLED). @defaultValue false */
  temporalWorker?: boolean;
  /** Wraps the emitter the in-process worker uses (fault drills lose events on purpose). */
  workerEmitter?: (emitter: BusEmitter) => BusEmitter;
  /** Apply migrations at start. @defaultValue true */
  migrate?: boolean;
  aggregatorOptions?: AggregatorOptions;
  /** Called to connect the durable lane; null keeps TEMPORAL unavailable. */
  durableLane?: (deps: {
    emitter: BusEmitter;
    jobs: JobStore;
    catalog: JobTypeCatalog;
  }) => Promise<DurableLane | null>;
  /** Extra processes of the durable lane (its worker, the reconciler), closed before the rest. */
  durableParts?: (deps: {
    emitter: BusEmitter;
    jobs: JobStore;
    lane: DurableLane | null;
    metrics: Metrics;
  }) => Promise<{ close(): Promise<void> }[]>;
  extendGateway?: GatewayOptions['extend'];
  /** Key pre-filled in GraphiQL's headers tab: the local stack outside production only. @defaultValue null */
  devKey?: string | null;
  /** Temporal web UI the dashboard links to; overrides TEMPORAL_UI_URL. @defaultValue config.TEMPORAL_UI_URL */
  temporalUiUrl?: string | null;
}

/** A running jobgate process: close() stops what it started, in reverse order. */
export interface App {
  url: string | null;
  ds: DataSource;
  redis: Redis;
  queries: QueryCounter;
  services: {
    jobs: JobService;
    keys: KeyStore;
    feed: EventFeed | null;
    registry: RegistryService;
    schedules: ScheduleService;
  };
  /** The registered job types, cached. */
  registry: TypeRegistry;
  /** Worker heartbeats. */
  presence: WorkerPresence;
  aggregator: Aggregator | null;
  gateway: Gateway | null;
  metrics: Metrics;
  close(): Promise<void>;
}

/** Opens every resource a configuration asks for; if one fails, the ones already open are closed. */
export async function startApp(config: Config, log: Logger, parts: AppParts = {}): Promise<App> {
  const closers: (() => Promise<void>)[] = [];
  const close = async (): Promise<void> => {
    for (const c of closers.reverse()) {
      try {
        await c();
      } catch (err) {
        log.error({ err }, 'error while shutting down');
      }
    }
    closers.length = 0;
  };
  try {
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
    let gateway: Gateway | null = null;
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
      openSubscriptions: () => gateway?.openSubscriptions ?? 0,
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

    let aggregator: Aggregator | null = null;
    if (parts.aggregator !== false) {
      aggregator = await startAggregatorParts(
        {
          config,
          log,
          keys,
          ds,
          jobStore,
          eventStore,
          metrics,
          emitter,
          bullmq,
          durable,
          jobs,
          catalog: registry,
          options: parts.aggregatorOptions,
        },
        closers,
      );
    }

    if (parts.jobs?.length) {
      const lanes = [
        ...(parts.bullmqWorker !== false ? [Backend.BULLMQ] : []),
        ...(parts.temporalWorker && config.TEMPORAL_ENABLED ? [Backend.TEMPORAL] : []),
      ];
      if (lanes.length) {
        const worker = await startWorkerProcess({
          config,
          log: log.child({ part: 'worker' }),
          definitions: parts.jobs,
          redis,
          emitter: parts.workerEmitter ? parts.workerEmitter(emitter) : emitter,
          registry,
          presence,
          jobs: jobStore,
          lanes,
          queues:
            parts.workerQueues ??
            (Array.isArray(parts.bullmqWorker) ? parts.bullmqWorker : undefined),
          onFinished: (type, lane, outcome, ms) => metrics.jobFinished(type, lane, outcome, ms),
          recordScheduledRun: (run) => schedules.runs.record(run),
          upsertSchedules: (list) => schedules.upsertCodeSchedules(list),
        });
        closers.push(() => worker.close());
      } else {
        // No lane to serve here: the types are still registered, so submissions are accepted.
        const resolved = resolveDefinitions(parts.jobs);
        await registry.register(resolved.types);
        if (resolved.schedules.length) await schedules.upsertCodeSchedules(resolved.schedules);
      }
    }
    if (parts.durableParts) {
      for (const p of await parts.durableParts({ emitter, jobs: jobStore, lane: durable, metrics }))
        closers.push(() => p.close());
    }

    let feed: EventFeed | null = null;
    let url: string | null = null;
    if (parts.gateway !== false) {
      ({ gateway, feed, url } = await startGatewayParts(
        {
          config,
          log,
          keys,
          redis,
          ds,
          eventStore,
          metrics,
          bullmq,
          jobs,
          keyStore,
          registry,
          registryService,
          schedules: schedules.service,
          extend: parts.extendGateway,
          devKey: parts.devKey ?? null,
          temporalUiUrl: parts.temporalUiUrl,
        },
        closers,
      ));
    }
    if (!gateway && config.METRICS_PORT) {
      // Aggregators and workers have no gateway; they still expose their own counters.
      const server = express()
        .get('/metrics', metrics.route(config.METRICS_TOKEN))
        .listen(config.METRICS_PORT, config.HOST);
      closers.push(() => new Promise<void>((r) => server.close(() => r())));
    }
    return {
      url,
      ds,
      redis,
      queries,
      services: {
        jobs,
        keys: keyStore,
        feed,
        registry: registryService,
        schedules: schedules.service,
      },
      registry,
      presence,
      aggregator,
      gateway,
      metrics,
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
