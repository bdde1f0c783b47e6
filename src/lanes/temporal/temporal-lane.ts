import { Client, Connection, WorkflowFailedError } from '@temporalio/client';
import type {
  WorkflowExecutionDescription,
  WorkflowExecutionStatusName,
  WorkflowHandle,
  WorkflowStartOptions,
} from '@temporalio/client';
import type { Logger } from 'pino';
import type { BusEmitter } from '../../bus/event-emitter';
import type { JobEvent, NewJobEvent } from '../../model/job-event';
import { AppError, badInput, conflict, notFound, unavailable } from '../../model/app-error';
import { ErrorCode } from '../../model/error-code';
import { Backend, JobEventType, JobStatus, Priority } from '../../model/enums';
import type { JobTypeCatalog } from '../../model/job-type';
import type { JobRecord } from '../../model/job-record';
import {
  cancelReasonSignal,
  JOB_MEMO,
  JOB_TYPE_ATTRIBUTE,
  PROCESSOR_WORKFLOW,
  taskQueueName,
  temporalEvent,
  TENANT_ATTRIBUTE,
} from '../../../workers/temporal/shared';
import type { JobMemo, JobRef, WorkflowJob } from '../../../workers/temporal/shared';
import { temporalPriority } from './temporal-priority';
import type { DurableLane } from './durable-lane';
import type { FlowLane } from '../flow-lane';
import { TemporalFlows } from './temporal-flows';
import type { RunOutcome } from '../lane';
import { ensureSearchAttributes } from './search-attributes';
import { isNotFound, translateTemporalError } from './temporal-errors';
import { taskQueueCounts } from './temporal-stats';
import { isClosed, temporalStatus } from './temporal-status';
import { toWorkflowInfo } from './workflow-info';
import type { QueueCounts } from '../../model/queue-counts';
import type { WorkflowInfo } from '../../model/workflow-info';
import { TemporalSchedules } from './temporal-schedules';

export interface TemporalLaneOptions {
  /** Temporal frontend, host:port. */
  address: string;
  /** Namespace the workflows live in. */
  namespace: string;
  /** Task queues are `${prefix}-${queue}`. */
  prefix: string;
  /** Where QUEUED (and a terminated job's CANCELLED) go. */
  emitter: BusEmitter;
  /** Registered job types: their policies and workflow names. */
  catalog: JobTypeCatalog;
  log: Logger;
  /** How long `connect` waits for the frontend, ms. @defaultValue 10000 */
  connectTimeoutMs?: number;
  /** How long `cancel` waits for the workflow to close before answering, ms. @defaultValue 5000 */
  cancelWaitMs?: number;
  /** Longest wait for a query answer, ms. @defaultValue 10000 */
  queryTimeoutMs?: number;
}

/** How a closed run ended, for the reconciler. */
/** Temporal's view of a run: its status names are Temporal's own. */
export interface WorkflowOutcome extends RunOutcome {
  /** Temporal's status of the latest run. */
  status: WorkflowExecutionStatusName;
}

const refOf = (job: JobRecord): JobRef => ({
  jobId: job.id,
  tenant: job.tenant,
  jobType: job.type,
  queue: job.queue,
});
const eventOf = (
  job: JobRecord,
  type: JobEventType,
  extra: Partial<NewJobEvent> = {},
): NewJobEvent => temporalEvent(refOf(job), type, extra);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The durable lane: starts and controls Temporal workflows. Knows nothing of GraphQL. */
export class TemporalLane implements DurableLane {
  readonly backend = Backend.TEMPORAL;

  /** Describe calls in flight by job id: concurrent callers share one RPC. */
  private readonly describing = new Map<string, Promise<WorkflowExecutionDescription | null>>();

  private constructor(
    private readonly connection: Connection,
    private readonly client: Client,
    private readonly o: TemporalLaneOptions,
  ) {}

  /** Connects (BACKEND_UNAVAILABLE when nothing answers) and makes sure the search attributes exist. */
  static async connect(o: TemporalLaneOptions): Promise<TemporalLane> {
    const connection = Connection.lazy({
      address: o.address,
      connectTimeout: o.connectTimeoutMs ?? 10_000,
    });
    try {
      await connection.ensureConnected();
    } catch (err) {
      await connection.close();
      throw unavailable(`Temporal at ${o.address} is not reachable: ${(err as Error).message}`);
    }
    await ensureSearchAttributes(connection, o.namespace, o.log);
    return new TemporalLane(connection, new Client({ connection, namespace: o.namespace }), o);
  }

  private async call<T>(jobId: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw translateTemporalError(err, jobId);
    }
  }

  private handle(job: JobRecord): WorkflowHandle {
    return this.client.workflow.getHandle(job.id);
  }

  /** How the lane starts `job`'s workflow (its id, task queue, argument or memo, priority, attributes). */
  startOptions(job: JobRecord, delayMs: number): WorkflowStartOptions {
    const def = this.o.catalog.find(job.type);
    if (!def) throw badInput(`unknown job type '${job.type}'`, 'type');
    const memo: JobMemo = {
      tenant: job.tenant,
      jobType: job.type,
      queue: job.queue,
      maxAttempts: job.maxAttempts,
      backoffMs: def.backoffMs,
      timeoutMs: def.timeoutMs,
    };
    const arg: WorkflowJob = { job: refOf(job), input: job.input, ...memo };
    return {
      workflowId: job.id,
      taskQueue: taskQueueName(this.o.prefix, job.queue),
      // A user's workflow is called with its input alone; the job travels in the memo. The
      // processor workflow gets it all in its argument, and a start stays as small as it was.
      ...(def.workflowName
        ? { args: [job.input], memo: { [JOB_MEMO]: memo }, workflowExecutionTimeout: def.timeoutMs }
        : { args: [arg] }),
      // NORMAL is the server's default key, so it is left out.
      ...(job.priority !== Priority.NORMAL
        ? { priority: { priorityKey: temporalPriority[job.priority] } }
        : {}),
      typedSearchAttributes: [
        { key: TENANT_ATTRIBUTE, value: job.tenant },
        { key: JOB_TYPE_ATTRIBUTE, value: job.type },
      ],
      // Attempts belong to the activities (catalog retry policy); a second run of the whole workflow is retryJob's.
      retry: { maximumAttempts: 1 },
      // Only retryJob reuses an id, and only after the previous run closed.
      workflowIdReusePolicy: 'ALLOW_DUPLICATE',
      workflowIdConflictPolicy: 'FAIL',
      ...(delayMs > 0 ? { startDelay: delayMs } : {}),
    };
  }

  /** The workflow type that runs `job`: its user workflow, or the processor workflow. */
  workflowType(job: JobRecord): string {
    return this.o.catalog.find(job.type)?.workflowName ?? PROCESSOR_WORKFLOW;
  }

  async enqueue(jobs: JobRecord[]): Promise<JobEvent[]> {
    if (jobs.length === 0) return [];
    const options = jobs.map((j) => this.startOptions(j, j.delayMs ?? 0));
    // QUEUED goes on the bus first, so it is always before the workflow's STARTED.
    const events = await this.o.emitter.emit(
      jobs.map((j) => {
        const delayed = (j.delayMs ?? 0) > 0;
        return eventOf(j, JobEventType.QUEUED, {
          status: delayed ? JobStatus.DELAYED : JobStatus.QUEUED,
          meta: {
            workflowType: this.workflowType(j),
            taskQueue: taskQueueName(this.o.prefix, j.queue),
            ...(delayed ? { delayMs: j.delayMs } : {}),
          },
        });
      }),
    );
    await Promise.all(
      jobs.map((j, i) =>
        this.call(j.id, () => this.client.workflow.start(this.workflowType(j), options[i])),
      ),
    );
    return events;
  }

  /** Flows on this lane: trees of child workflows. */
  flows(): FlowLane {
    return (this.flowLane ??= new TemporalFlows(this, this.o.emitter));
  }

  private flowLane?: FlowLane;

  /** Starts a workflow for `job` (BACKEND_UNAVAILABLE or CONFLICT when Temporal refuses). */
  async startWorkflow(job: JobRecord, type: string, options: WorkflowStartOptions): Promise<void> {
    await this.call(job.id, () => this.client.workflow.start(type, options));
  }

  /** The task queue of a catalog queue. */
  taskQueue(queue: string): string {
    return taskQueueName(this.o.prefix, queue);
  }

  async exists(job: JobRecord): Promise<boolean> {
    return (await this.describeById(job.id)) !== null;
  }

  async redeliver(jobs: JobRecord[], announce: boolean): Promise<void> {
    const started = async (j: JobRecord): Promise<void> => {
      try {
        if (announce) await this.enqueue([j]);
        else
          await this.call(j.id, () =>
            this.client.workflow.start(this.workflowType(j), this.startOptions(j, j.delayMs ?? 0)),
          );
      } catch (err) {
        // Started meanwhile (by the submission itself, or another relay): nothing to do.
        if (!(err instanceof AppError && err.code === ErrorCode.CONFLICT)) throw err;
      }
    };
    await Promise.all(jobs.map(started));
  }

  private async describeById(id: string): Promise<WorkflowExecutionDescription | null> {
    let p = this.describing.get(id);
    if (!p) {
      p = this.client.workflow
        .getHandle(id)
        .describe()
        .catch((err: unknown) => {
          if (isNotFound(err)) return null;
          throw translateTemporalError(err, id);
        })
        .finally(() => this.describing.delete(id));
      this.describing.set(id, p);
    }
    return p;
  }

  /** The latest run of the job's workflow, or null when absent or another tenant's. */
  private async describeOwned(job: JobRecord): Promise<WorkflowExecutionDescription | null> {
    const d = await this.describeById(job.id);
    return d && d.typedSearchAttributes.get(TENANT_ATTRIBUTE) === job.tenant ? d : null;
  }

  /** Like describeOwned, but NOT_FOUND when there is nothing this tenant may control. */
  private async owned(job: JobRecord): Promise<WorkflowExecutionDescription> {
    const d = await this.describeOwned(job);
    if (!d) throw notFound('job', job.id);
    return d;
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
      const d = await this.describeById(job.id);
      if (!d) return JobStatus.CANCELLED;
      if (isClosed(d.status.name) || Date.now() > until) return temporalStatus[d.status.name];
      await sleep(100);
    }
  }

  async cancel(job: JobRecord, reason: string): Promise<JobStatus> {
    this.requireRunning(job, await this.owned(job), 'cancel');
    const h = this.handle(job);
    await this.call(job.id, () => h.signal(cancelReasonSignal, reason));
    await this.call(job.id, () => h.cancel());
    return this.waitForClose(job, this.o.cancelWaitMs ?? 5000);
  }

  async terminate(job: JobRecord, reason: string): Promise<JobStatus> {
    this.requireRunning(job, await this.owned(job), 'terminate');
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
    const d = await this.describeById(job.id);
    if (d && d.typedSearchAttributes.get(TENANT_ATTRIBUTE) !== job.tenant)
      throw notFound('job', job.id);
    if (d && !isClosed(d.status.name))
      throw conflict(
        `job ${job.id} is still running in Temporal; only FAILED or CANCELLED jobs can be retried`,
      );
    const options = this.startOptions(job, 0);
    const event = await this.o.emitter.emitOne(
      eventOf(job, JobEventType.QUEUED, {
        meta: {
          retry: true,
          previousRunId: d?.runId ?? null,
          workflowType: this.workflowType(job),
        },
      }),
    );
    await this.call(job.id, () => this.client.workflow.start(this.workflowType(job), options));
    return event;
  }

  async signal(job: JobRecord, name: string, payload: unknown): Promise<void> {
    this.requireRunning(job, await this.owned(job), 'signal');
    await this.call(job.id, () => this.handle(job).signal(name, payload));
  }

  async query(job: JobRecord, name: string, args: unknown): Promise<unknown> {
    await this.owned(job);
    const deadline = Date.now() + (this.o.queryTimeoutMs ?? 10_000);
    const h = this.handle(job);
    return this.call(job.id, () =>
      this.connection.withDeadline(deadline, () =>
        args === undefined || args === null ? h.query(name) : h.query(name, args),
      ),
    );
  }

  async describe(jobs: readonly JobRecord[]): Promise<Map<string, WorkflowInfo | null>> {
    const found = await Promise.all(jobs.map((j) => this.describeOwned(j)));
    return new Map(jobs.map((j, i) => [j.id, found[i] ? toWorkflowInfo(found[i]) : null]));
  }

  /** How the job's latest run ended (with its result or failure), null while absent or another tenant's. */
  async outcome(job: JobRecord): Promise<WorkflowOutcome | null> {
    const d = await this.describeOwned(job);
    if (!d) return null;
    const base: WorkflowOutcome = {
      status: d.status.name,
      runId: d.runId,
      closeTime: d.closeTime ?? null,
    };
    if (!isClosed(d.status.name)) return base;
    try {
      const result = await this.client.workflow
        .getHandle(job.id, d.runId, { followRuns: false })
        .result();
      return { ...base, result };
    } catch (err) {
      if (err instanceof WorkflowFailedError) {
        const cause = err.cause as (Error & { cause?: Error }) | undefined;
        return { ...base, message: cause?.message || err.message };
      }
      throw translateTemporalError(err, job.id);
    }
  }

  async stats(): Promise<QueueCounts[]> {
    try {
      return await Promise.all(
        this.o.catalog
          .taskQueues()
          .map((q) => taskQueueCounts(this.client, q, taskQueueName(this.o.prefix, q))),
      );
    } catch (err) {
      throw translateTemporalError(err, 'stats');
    }
  }

  /** Temporal Schedules of this deployment, on this lane's connection. */
  schedules(): TemporalSchedules {
    return new TemporalSchedules(this.client.schedule, this.o.prefix, this.o.catalog);
  }

  async close(): Promise<void> {
    await this.connection.close();
  }
}
