import type { Config } from '../config';
import type { Definition } from './definition-types';

/** Options of {@link startWorker}. */
export interface StartWorkerOptions {
  /** The definitions to serve. */
  jobs: Definition[];
  /** Lanes to serve. @defaultValue both (TEMPORAL only when TEMPORAL_ENABLED) */
  lanes?: ('BULLMQ' | 'TEMPORAL')[];
  /** Only these queues. @defaultValue every queue of `jobs` */
  queues?: string[];
  /** Settings over the environment (same names as the jobgate command's variables). */
  config?: Partial<Config>;
}

/**
 * Runs a worker serving `jobs` in this process: registers them, heartbeats, and runs them on
 * BullMQ and Temporal. `close()` stops taking work, lets running attempts finish, and leaves.
 */
export async function startWorker(
  options: StartWorkerOptions,
): Promise<{ close(): Promise<void> }> {
  // The server modules load only here: defining jobs needs none of them.
  const [{ loadConfig }, { createLogger }, { startApp }] = await Promise.all([
    import('../config.js'),
    import('../logger.js'),
    import('../compose/app.js'),
  ]);
  const config = loadConfig(process.env, options.config ?? {});
  const lanes = options.lanes ?? ['BULLMQ', 'TEMPORAL'];
  const app = await startApp(config, createLogger(config), {
    gateway: false,
    aggregator: false,
    migrate: false,
    jobs: options.jobs,
    bullmqWorker: lanes.includes('BULLMQ') ? undefined : false,
    temporalWorker: lanes.includes('TEMPORAL'),
    workerQueues: options.queues,
  });
  return { close: () => app.close() };
}
