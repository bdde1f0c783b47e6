import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Redis } from 'ioredis';
import { FlowGate } from '../../flow-gate';
import { TemporalKeys } from '../temporal-keys';
import type { FlowActivityArgs, FlowAdmitted } from '../contract';

/**
 * The flow activities of the Temporal worker. flowAdmit lets a job start past its debounce
 * key and per-key limits (see FlowGate); when a limit says wait, it fails retryably, with the
 * rate window's own delay where there is one, and Temporal's retry policy brings it back:
 * the server keeps the waiting job, not a loop of ours. flowRelease gives the slot back and
 * frees a deduplication key that lasts until the job ends.
 */
export function createFlowActivities(redis: Redis, prefix: string) {
  const gate = new FlowGate(redis, prefix);
  const keys = new TemporalKeys(redis, prefix);
  const gateJob = (a: FlowActivityArgs) => ({
    id: a.run.jobId,
    tenant: a.run.tenant,
    type: a.run.jobType,
    attempt: a.attempt,
    keys: a.flow.keys,
  });
  return {
    async flowAdmit(a: FlowActivityArgs): Promise<FlowAdmitted> {
      const j = gateJob(a);
      // Claimed on the first try only: after that the key says this job started.
      if (Context.current().info.attempt === 1) {
        const by = await keys.claim(j, a.flow.control, a.flow.keys);
        if (by) return { superseded: { by } };
      }
      if (!FlowGate.limits(a.flow.control, a.flow.keys)) return {};
      const admission = await gate.admit(a.flow.control, j, a.flow.leaseMs, false);
      if (admission.kind === 'run') return {};
      throw ApplicationFailure.create({
        type: 'FlowWait',
        message:
          admission.kind === 'rate'
            ? `the rate limit of key '${a.flow.keys.rateLimit}' is reached; starting in ${admission.ms} ms`
            : `every slot of key '${a.flow.keys.concurrency}' is taken`,
        ...(admission.kind === 'rate' ? { nextRetryDelay: admission.ms } : {}),
      });
    },
    async flowRelease(a: FlowActivityArgs): Promise<void> {
      const j = gateJob(a);
      await gate.release(a.flow.control, j);
      await keys.forget(j, a.flow.control, a.flow.keys);
    },
  };
}
