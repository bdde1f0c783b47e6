import { busKeys } from '../../src/bus/bus-keys';
import { BusEmitter } from '../../src/bus/event-emitter';
import { Backend, JobEventType } from '../../src/model/enums';
import type { JobEvent } from '../../src/model/job-event';
import type { Stack } from './stack';

/** A job as the log helpers need it. */
export interface LoggedJob {
  id: string;
  type: string;
  queue: string;
  tenant: string;
}

/** What a job's code would put on the bus: LOG events (and the end of the job), emitted directly. */
export function jobBus(stack: Stack): {
  log(job: LoggedJob, lines: string[], attempt?: number): Promise<JobEvent[]>;
  complete(job: LoggedJob): Promise<JobEvent>;
} {
  const emitter = new BusEmitter(stack.redis, busKeys(stack.config.JOBGATE_PREFIX), 100_000);
  const base = (job: LoggedJob) => ({
    tenant: job.tenant,
    jobId: job.id,
    jobType: job.type,
    queue: job.queue,
    source: Backend.BULLMQ,
  });
  return {
    log: (job, lines, attempt = 1) =>
      emitter.emit(
        lines.map((message) => ({ ...base(job), type: JobEventType.LOG, attempt, message })),
      ),
    complete: (job) =>
      emitter.emitOne({
        ...base(job),
        type: JobEventType.COMPLETED,
        attempt: 1,
        meta: { result: null },
      }),
  };
}

/** Waits until the store holds `n` LOG lines of the job. */
export function storedLines(stack: Stack, jobId: string, n: number): Promise<boolean> {
  return stack.waitFor(
    async () =>
      (
        await stack.app.ds.query(
          `SELECT count(*)::int AS n FROM job_events WHERE job_id = $1 AND type = 'LOG'`,
          [jobId],
        )
      )[0].n === n,
    10_000,
    `${n} stored log lines of ${jobId}`,
  );
}
