import express from 'express';
import type { Logger } from 'pino';
import type { Config } from '../config';
import type { Aggregator } from '../projection/aggregator';
import type { EventFeed } from '../projection/event-feed';
import type { Gateway } from '../server/gateway';
import { startAggregatorParts } from './aggregator-parts';
import type { App, AppParts } from './app-types';
import { openCore } from './core-parts';
import { startGatewayParts } from './gateway-parts';
import { startInProcessWorker } from './in-process-worker';

export type { App, AppParts } from './app-types';

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
    let gateway: Gateway | null = null;
    const core = await openCore(config, log, parts, closers, () => gateway?.openSubscriptions ?? 0);
    const { keys, redis, ds, jobStore, eventStore, metrics, emitter, bullmq, durable, jobs } = core;

    let aggregator: Aggregator | null = null;
    if (parts.aggregator !== false) {
      aggregator = await startAggregatorParts(
        {
          config,
          log,
          keys,
          redis,
          ds,
          jobStore,
          eventStore,
          metrics,
          emitter,
          bullmq,
          durable,
          jobs,
          catalog: core.registry,
          options: parts.aggregatorOptions,
        },
        closers,
      );
    }
    await startInProcessWorker(config, log, parts, core, closers);
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
          keyStore: core.keyStore,
          registry: core.registry,
          registryService: core.registryService,
          schedules: core.schedules.service,
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
      queries: core.queries,
      services: {
        jobs,
        keys: core.keyStore,
        feed,
        registry: core.registryService,
        schedules: core.schedules.service,
      },
      registry: core.registry,
      presence: core.presence,
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
