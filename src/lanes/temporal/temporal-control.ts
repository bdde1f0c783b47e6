import type {
  Client,
  Connection,
  WorkflowExecutionDescription,
  WorkflowHandle,
} from '@temporalio/client';
import type { BusEmitter } from '../../bus/event-emitter';
import type { JobEvent } from '../../model/job-event';
import { conflict, notFound } from '../../model/app-error';
import { JobEventType, JobStatus } from '../../model/enums';
import type { JobRecord } from '../../model/job-record';
import { cancelReasonSignal, TENANT_ATTRIBUTE } from './contract';
import { isNotFound, translated, translateTemporalError } from './temporal-errors';
import type { TemporalRuns } from './temporal-runs';
import { eventOf } from './temporal-start';
import type { TemporalStarts } from './temporal-start';
import { isClosed, temporalStatus } from './temporal-status';

/** What controlling workflows needs of the lane's options. */
export interface ControlOptions {
  /** Where a terminated job's CANCELLED and a retry's QUEUED go. */
  emitter: BusEmitter;
  /** How long `cancel` waits for the workflow to close before answering, ms. @defaultValue 5000 */
  cancelWaitMs?: number;
  /** Longest wait for a query answer, ms. @defaultValue 10000 */
  queryTimeoutMs?: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Control of running workflows: cancel, terminate, retry, signal and query, for the job's tenant only. */
export class TemporalControl {
  constructor(
    private readonly connection: Connection,
    private readonly client: Client,
    private readonly runs: TemporalRuns,
    private readonly starts: TemporalStarts,
    private readonly o: ControlOptions,
  ) {}

  private handle(job: JobRecord): WorkflowHandle {
    return this.client.workflow.getHandle(job.id);
  }

  private requireRunning(job: JobRecord, d: WorkflowExecutionDescription, action: string): void {
    if (d.status.name !== 'RUNNING') {
      throw conflict(
        `job ${job.id} has already finished in Temporal (${temporalStatus[d.status.name]}); nothing to ${action}`,
      );
    }
  }

  /** Polls until the run closes or `ms` pass; the status the job is in then. */
  private async waitForClose(job: JobRecord, ms: number): Promise<JobStatus> {
    const until = Date.now() + ms;
    for (;;) {
      const d = await this.runs.byId(job.id);
      if (!d) return JobStatus.CANCELLED;
      if (isClosed(d.status.name) || Date.now() > until) return temporalStatus[d.status.name];
      await sleep(100);
    }
  }

  async cancel(job: JobRecord, reason: string): Promise<JobStatus> {
    this.requireRunning(job, await this.runs.owned(job), 'cancel');
    const h = this.handle(job);
    await translated(job.id, () => h.signal(cancelReasonSignal, reason));
    await translated(job.id, () => h.cancel());
    return this.waitForClose(job, this.o.cancelWaitMs ?? 5000);
  }

  async terminate(job: JobRecord, reason: string): Promise<JobStatus> {
    this.requireRunning(job, await this.runs.owned(job), 'terminate');
    try {
      await this.handle(job).terminate(reason);
    } catch (err) {
      // Closed between describe and terminate: its own final event is on its way.
      if (isNotFound(err)) throw conflict(`job ${job.id} finished before it could be terminated`);
      throw translateTemporalError(err, job.id);
    }
    // A terminated workflow runs no more code, so no sink will report it: the lane does.
    await this.o.emitter.emitOne(
      eventOf(job, JobEventType.CANCELLED, { message: reason, meta: { terminated: true } }),
    );
    return JobStatus.CANCELLED;
  }

  async retry(job: JobRecord): Promise<JobEvent> {
    // A workflow gone from Temporal (retention) may run again: the store has already checked the tenant.
    const d = await this.runs.byId(job.id);
    if (d && d.typedSearchAttributes.get(TENANT_ATTRIBUTE) !== job.tenant)
      throw notFound('job', job.id);
    if (d && !isClosed(d.status.name))
      throw conflict(
        `job ${job.id} is still running in Temporal; only FAILED or CANCELLED jobs can be retried`,
      );
    const options = this.starts.options(job, 0);
    const event = await this.o.emitter.emitOne(
      eventOf(job, JobEventType.QUEUED, {
        meta: {
          retry: true,
          previousRunId: d?.runId ?? null,
          workflowType: this.starts.workflowType(job),
        },
      }),
    );
    await this.starts.start(job, this.starts.workflowType(job), options);
    return event;
  }

  async signal(job: JobRecord, name: string, payload: unknown): Promise<void> {
    this.requireRunning(job, await this.runs.owned(job), 'signal');
    await translated(job.id, () => this.handle(job).signal(name, payload));
  }

  async query(job: JobRecord, name: string, args: unknown): Promise<unknown> {
    await this.runs.owned(job);
    const deadline = Date.now() + (this.o.queryTimeoutMs ?? 10_000);
    const h = this.handle(job);
    return translated(job.id, () =>
      this.connection.withDeadline(deadline, () =>
        args === undefined || args === null ? h.query(name) : h.query(name, args),
      ),
    );
  }
}
