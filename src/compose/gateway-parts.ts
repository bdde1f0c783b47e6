import type { Express } from 'express';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import { buildJobgateSchema } from '../../resolvers/build-schema';
import type { KeyStore } from '../auth/key-store';
import type { BusKeys } from '../bus/bus-keys';
import { EventHub } from '../bus/event-hub';
import type { Config } from '../config';
import type { JobService } from '../jobs/job-service';
import type { RegistryService } from '../jobs/registry-service';
import type { ScheduleService } from '../jobs/schedule-service';
import type { BullmqLane } from '../lanes/bullmq/bullmq-lane';
import { EventFeed } from '../projection/event-feed';
import type { TypeRegistry } from '../registry/type-registry';
import { BoardSessions } from '../server/board-sessions';
import { bullBoardRoutes } from '../server/bull-board';
import { dashboardRoutes } from '../server/dashboard';
import { Gateway } from '../server/gateway';
import { graphiqlRoutes } from '../server/graphiql';
import { limitRules, maxNesting } from '../server/limits';
import type { Metrics } from '../server/metrics';
import { TenantRateLimiter } from '../server/rate-limit';
import { AuditStore } from '../store/audit-store';
import type { EventStore } from '../store/event-store';

/** What the gateway side of a process needs. */
export interface GatewayPartsDeps {
  config: Config;
  log: Logger;
  keys: BusKeys;
  redis: Redis;
  ds: DataSource;
  eventStore: EventStore;
  metrics: Metrics;
  bullmq: BullmqLane;
  jobs: JobService;
  keyStore: KeyStore;
  registry: TypeRegistry;
  registryService: RegistryService;
  schedules: ScheduleService;
  /** Extra routes, mounted first. */
  extend?: (app: Express) => void;
  /** Key pre-filled in GraphiQL's headers tab (the local stack outside production only). */
  devKey: string | null;
  /** Temporal web UI the dashboard links to; overrides TEMPORAL_UI_URL. */
  temporalUiUrl?: string | null;
}

/**
 * The gateway and what only it needs: the event hub and feed that serve subscriptions, the
 * audit store, GraphQL over HTTP and WebSocket, and the extra routes (metrics, GraphiQL, the
 * dashboard, Bull Board). Each closer is pushed as its part starts.
 */
export async function startGatewayParts(
  d: GatewayPartsDeps,
  closers: (() => Promise<void>)[],
): Promise<{ gateway: Gateway; feed: EventFeed; url: string }> {
  const { config, log, redis, ds, keys, metrics, bullmq, registry, keyStore } = d;
  const hub = new EventHub(config.REDIS_URL, redis, keys, log.child({ part: 'hub' }));
  await hub.start();
  closers.push(() => hub.close());
  const feed = new EventFeed(hub, redis, keys, d.eventStore);
  const audit = new AuditStore(ds, log.child({ part: 'audit' }), undefined, undefined, {
    onRefused: (n) => metrics.recordsRefused('audit', n),
  });
  closers.push(() => audit.close());
  const gateway = new Gateway({
    schema: buildJobgateSchema(),
    services: {
      jobs: d.jobs,
      keys: keyStore,
      feed,
      audit,
      registry: d.registryService,
      schedules: d.schedules,
    },
    events: d.eventStore,
    rules: limitRules(config),
    operationLimits: { maxCost: config.MAX_QUERY_COST, maxInputDepth: config.MAX_INPUT_DEPTH },
    introspection: config.GRAPHQL_INTROSPECTION ?? true,
    rateLimiter: new TenantRateLimiter(redis, config.JOBGATE_PREFIX, config.RATE_LIMIT_PER_SECOND),
    maxSubscriptionsPerConnection: config.MAX_SUBSCRIPTIONS_PER_CONNECTION,
    maxSubscriptionsPerKey: config.MAX_SUBSCRIPTIONS_PER_KEY,
    wsInitTimeoutMs: config.WS_INIT_TIMEOUT_MS,
    log: log.child({ part: 'gateway' }),
    host: config.HOST,
    trustProxy: config.TRUST_PROXY,
    authFailuresPerMinute: config.AUTH_FAILURES_PER_MINUTE,
    port: config.PORT,
    maxBodyBytes: config.MAX_BODY_BYTES,
    maxNesting: maxNesting(config.MAX_QUERY_DEPTH),
    ready: async () => ({
      redis: await redis.ping().then(
        () => true,
        () => false,
      ),
      postgres: await ds.query('SELECT 1').then(
        () => true,
        () => false,
      ),
    }),
    plugins: [metrics.apolloPlugin()],
    extend: (app) => {
      d.extend?.(app);
      app.get('/metrics', metrics.route(config.METRICS_TOKEN));
      app.use(graphiqlRoutes({ devKey: d.devKey }));
      app.use(
        dashboardRoutes({
          temporalUiUrl: d.temporalUiUrl ?? config.TEMPORAL_UI_URL ?? null,
          temporalNamespace: config.TEMPORAL_NAMESPACE,
        }),
      );
      app.use(
        bullBoardRoutes({
          queues: registry.queues().map((q) => bullmq.queue(q)),
          authenticate: (k) => keyStore.authenticate(k),
          audit: (e) => audit.record(e),
          sessions: new BoardSessions(redis, `${config.JOBGATE_PREFIX}:board-session:`),
        }),
      );
    },
  });
  const url = await gateway.start();
  closers.push(() => gateway.stop());
  return { gateway, feed, url };
}
