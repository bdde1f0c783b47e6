import type { Job as BullJob } from 'bullmq';
import type { Redis } from 'ioredis';
import type { BusEmitter } from '../../../bus/event-emitter';
import { CANCELLED_REASON as CANCELLED, cancelMarkerKey } from '../bullmq-job-data';
import type { BullmqJobData } from '../bullmq-job-data';
import { JobEventType } from '../../../model/enums';
import type { BullmqFlowHooks } from './bullmq-flow-hooks';
import { endedAttempt, jobEvent } from './job-attempts';

type Outcome = 'completed' | 'failed' | 'cancelled';

export interface OutcomeOptions {
  prefix: string;
  markers: Redis;
  emitter: BusEmitter;
  flows: BullmqFlowHooks;
  /** Runs an emit without making BullMQ's event handler wait (shutdown waits for it). */
  track: (p: Promise<unknown>) => void;
  onFinished?: (jobType: string, outcome: Outcome, ms: number) => void;
}

/**
 * The event each attempt's end is, from BullMQ's `completed` and `failed` events: COMPLETED;
 * CANCELLED with the reason the cancel marker holds; RETRYING while attempts are left; FAILED.
 */
export class BullmqOutcomes {
  constructor(private readonly o: OutcomeOptions) {}

  private finished(job: BullJob<BullmqJobData>, outcome: Outcome): void {
    this.o.onFinished?.(job.name, outcome, Date.now() - job.timestamp);
  }

  completed(job: BullJob<BullmqJobData>, result: unknown): void {
    this.o.track(
      this.o.emitter.emitOne(
        jobEvent(job, JobEventType.COMPLETED, {
          attempt: endedAttempt(job),
          meta: { result: result ?? null },
        }),
      ),
    );
    this.finished(job, 'completed');
  }

  failed(job: BullJob<BullmqJobData>, err: Error): void {
    const maxAttempts = job.opts.attempts ?? 1;
    if (err.message === CANCELLED) {
      this.o.track(
        this.o.markers.get(cancelMarkerKey(this.o.prefix, job.id as string)).then((reason) =>
          this.o.emitter.emitOne(
            jobEvent(job, JobEventType.CANCELLED, {
              attempt: endedAttempt(job),
              message: reason ?? 'cancelled',
            }),
          ),
        ),
      );
      this.finished(job, 'cancelled');
    } else if (job.deferredFailure) {
      this.o.track(this.parentFailed(job, err.message));
      this.finished(job, 'failed');
    } else if (err.name !== 'UnrecoverableError' && job.attemptsMade < maxAttempts) {
      this.o.track(
        this.o.emitter.emitOne(
          jobEvent(job, JobEventType.RETRYING, {
            attempt: endedAttempt(job),
            message: err.message,
          }),
        ),
      );
    } else {
      this.o.track(
        this.o.emitter.emitOne(
          jobEvent(job, JobEventType.FAILED, {
            attempt: endedAttempt(job),
            message: err.message,
          }),
        ),
      );
      this.finished(job, 'failed');
    }
  }

  /**
   * A parent BullMQ failed without running because a FAIL_PARENT child failed: FAILED naming
   * the child, or CANCELLED when the parent's tree is being cancelled.
   */
  private async parentFailed(job: BullJob<BullmqJobData>, message: string): Promise<void> {
    const marker = await this.o.markers.get(cancelMarkerKey(this.o.prefix, job.id as string));
    await this.o.emitter.emitOne(
      marker !== null
        ? jobEvent(job, JobEventType.CANCELLED, { message: marker })
        : jobEvent(job, JobEventType.FAILED, {
            message: await this.o.flows.deferredFailure(job, message),
            meta: { ranProcessor: false },
          }),
    );
  }
}
