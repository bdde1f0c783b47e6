import type { BusEmitter } from '../../src/bus/event-emitter';
import type { JobEvent, NewJobEvent } from '../../src/model/job-event';

export const FINAL = new Set(['COMPLETED', 'FAILED', 'CANCELLED']);

/**
 * A lost final event cannot be had on demand from a real Redis (a sink call that never left a
 * dying Temporal worker, a BullMQ reply lost with its connection), so this wraps a worker's
 * emitter: it drops the final events of the jobs in `losing` and passes everything else to the
 * real emitter. The engines themselves still record the end of the run.
 */
export const lossyEmitter =
  (losing: ReadonlySet<string>) =>
  (real: BusEmitter): BusEmitter => {
    const drop = (e: NewJobEvent): boolean => FINAL.has(e.type) && losing.has(e.jobId);
    return Object.assign(Object.create(real) as BusEmitter, {
      emitOne: async (e: NewJobEvent): Promise<JobEvent> =>
        drop(e) ? { ...e, id: '0-0', timestamp: new Date().toISOString() } : real.emitOne(e),
    });
  };
