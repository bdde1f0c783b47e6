import type { Logger } from 'pino';
import type { AppParts } from './app-types';
import type { Config } from '../config';
import { unavailable } from '../model/app-error';
import { Reconciler } from '../projection/reconciler';
import { TemporalLane } from '../lanes/temporal/temporal-lane';

/** Which Temporal pieces a process runs. */
export interface TemporalPartsOptions {
  /** Client lane for submit and control (gateway). @defaultValue true */
  lane?: boolean;
  /** The in-process worker serves TEMPORAL too (see AppParts.jobs). @defaultValue false */
  worker?: boolean;
  /** The reconciler (needs the lane). @defaultValue false */
  reconciler?: boolean;
}

/** The AppParts hooks that connect the durable lane, its worker and its reconciler. */
export function temporalParts(
  config: Config,
  log: Logger,
  o: TemporalPartsOptions = {},
): Pick<AppParts, 'durableLane' | 'durableParts' | 'temporalWorker'> {
  return {
    temporalWorker: !!o.worker,
    durableLane: async ({ emitter, catalog }) => {
      if (o.lane === false) return null;
      try {
        return await TemporalLane.connect({
          address: config.TEMPORAL_ADDRESS,
          namespace: config.TEMPORAL_NAMESPACE,
          prefix: config.JOBGATE_PREFIX,
          emitter,
          catalog,
          log: log.child({ part: 'temporal-lane' }),
        });
      } catch (err) {
        throw unavailable(
          `cannot connect to Temporal at TEMPORAL_ADDRESS=${config.TEMPORAL_ADDRESS} (${(err as Error).message}); start it or point TEMPORAL_ADDRESS at a running one`,
        );
      }
    },
    durableParts: async ({ emitter, jobs, lane }) => {
      const parts: { close(): Promise<void> }[] = [];
      if (o.reconciler && lane instanceof TemporalLane) {
        const reconciler = new Reconciler(jobs, lane, emitter, log.child({ part: 'reconciler' }));
        reconciler.start();
        parts.push({ close: () => reconciler.stop() });
      }
      return parts;
    },
  };
}
