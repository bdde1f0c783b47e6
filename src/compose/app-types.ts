import type { Redis } from 'ioredis';
import type { DataSource } from 'typeorm';
import type { KeyStore } from '../auth/key-store';
import type { BusEmitter } from '../bus/event-emitter';
import type { JobService } from '../jobs/job-service';
import type { RegistryService } from '../jobs/registry-service';
import type { ScheduleService } from '../jobs/schedule-service';
import type { DurableLane } from '../lanes/temporal/durable-lane';
import type { JobTypeCatalog } from '../model/job-type';
import type { AggregatorOptions, Aggregator } from '../projection/aggregator';
import type { EventFeed } from '../projection/event-feed';
import type { TypeRegistry } from '../registry/type-registry';
import type { WorkerPresence } from '../registry/worker-presence';
import type { Definition } from '../sdk/definition-types';
import type { Gateway, GatewayOptions } from '../server/gateway';
import type { Metrics } from '../server/metrics';
import type { QueryCounter } from '../store/data-source';
import type { JobStore } from '../store/job-store';

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
