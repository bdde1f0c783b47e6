import type { Logger } from 'pino';
import type { Config } from '../config';
import { Backend } from '../model/enums';
import { resolveDefinitions } from '../sdk/resolve';
import type { AppParts } from './app-types';
import type { Core } from './core-parts';
import { startWorkerProcess } from './worker-process';

/**
 * The worker `parts.jobs` asks for, in this process: on the lanes `parts` names, with the
 * core's connections. With no lane to serve, the types are still registered (and their code
 * schedules written), so submissions are accepted. Its closer goes on `closers`.
 */
export async function startInProcessWorker(
  config: Config,
  log: Logger,
  parts: AppParts,
  core: Core,
  closers: (() => Promise<void>)[],
): Promise<void> {
  if (!parts.jobs?.length) return;
  const lanes = [
    ...(parts.bullmqWorker !== false ? [Backend.BULLMQ] : []),
    ...(parts.temporalWorker && config.TEMPORAL_ENABLED ? [Backend.TEMPORAL] : []),
  ];
  const { schedules, metrics } = core;
  if (lanes.length === 0) {
    const resolved = resolveDefinitions(parts.jobs);
    await core.registry.register(resolved.types);
    if (resolved.schedules.length) await schedules.upsertCodeSchedules(resolved.schedules);
    return;
  }
  const worker = await startWorkerProcess({
    config,
    log: log.child({ part: 'worker' }),
    definitions: parts.jobs,
    redis: core.redis,
    emitter: parts.workerEmitter ? parts.workerEmitter(core.emitter) : core.emitter,
    registry: core.registry,
    presence: core.presence,
    jobs: core.jobStore,
    lanes,
    queues:
      parts.workerQueues ?? (Array.isArray(parts.bullmqWorker) ? parts.bullmqWorker : undefined),
    onFinished: (type, lane, outcome, ms) => metrics.jobFinished(type, lane, outcome, ms),
    recordScheduledRun: (run) => schedules.runs.record(run),
    upsertSchedules: (list) => schedules.upsertCodeSchedules(list),
  });
  closers.push(() => worker.close());
}
