import type { Client, WorkflowStartOptions } from '@temporalio/client';
import type { BusEmitter } from '../../bus/event-emitter';
import type { JobEvent, NewJobEvent } from '../../model/job-event';
import { AppError, badInput } from '../../model/app-error';
import { ErrorCode } from '../../model/error-code';
import { JobEventType, JobStatus, Priority } from '../../model/enums';
import type { JobTypeCatalog } from '../../model/job-type';
import type { JobRecord } from '../../model/job-record';
import {
  JOB_MEMO,
  JOB_TYPE_ATTRIBUTE,
  PROCESSOR_WORKFLOW,
  taskQueueName,
  temporalEvent,
  TENANT_ATTRIBUTE,
} from './contract';
import type { JobMemo, JobRef, WorkflowJob } from './contract';
import { SUBMITTED } from '../../model/status-model';
import { temporalPriority } from './temporal-priority';
import { translated } from './temporal-errors';

/** How long a start whose answer was an error waits to learn whether Temporal holds it, ms. */
const HOLDS_PROBE_MS = 3000;

/** Whether `probe` says true within `ms`; false when it says no, fails or takes longer. */
const heldWithin = (probe: Promise<boolean>, ms: number): Promise<boolean> =>
  Promise.race([
    probe.catch(() => false),
    new Promise<boolean>((resolve) => setTimeout(resolve, ms, false).unref()),
  ]);

/** What starting workflows needs of the lane's options. */
export interface StartOptions {
  /** Task queues are `${prefix}-${queue}`. */
  prefix: string;
  /** Where QUEUED goes. */
  emitter: BusEmitter;
  /** Registered job types: their policies and workflow names. */
  catalog: JobTypeCatalog;
}

export const refOf = (job: JobRecord): JobRef => ({
  jobId: job.id,
  tenant: job.tenant,
  jobType: job.type,
  queue: job.queue,
});

/** An event of `job` as the lane emits it. */
export const eventOf = (
  job: JobRecord,
  type: JobEventType,
  extra: Partial<NewJobEvent> = {},
): NewJobEvent => temporalEvent(refOf(job), type, extra);

/** Starts jobs' workflows: how each starts, and the QUEUED events that go before. */
export class TemporalStarts {
  constructor(
    private readonly client: Client,
    private readonly o: StartOptions,
  ) {}

  /** The task queue of a catalog queue. */
  taskQueue(queue: string): string {
    return taskQueueName(this.o.prefix, queue);
  }

  /** The workflow type that runs `job`: its user workflow, or the processor workflow. */
  workflowType(job: JobRecord): string {
    return this.o.catalog.find(job.type)?.workflowName ?? PROCESSOR_WORKFLOW;
  }

  /** How the lane starts `job`'s workflow (its id, task queue, argument or memo, priority, attributes). */
  options(job: JobRecord, delayMs: number): WorkflowStartOptions {
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

  /** Starts a workflow for `job` (BACKEND_UNAVAILABLE or CONFLICT when Temporal refuses). */
  async start(job: JobRecord, type: string, options: WorkflowStartOptions): Promise<void> {
    await translated(job.id, () => this.client.workflow.start(type, options));
  }

  /** A new job's QUEUED as a submission announces it: it starts no new run (see foldEvent). */
  private submittedEvent(j: JobRecord): NewJobEvent {
    const delayed = (j.delayMs ?? 0) > 0;
    return eventOf(j, JobEventType.QUEUED, {
      status: delayed ? JobStatus.DELAYED : JobStatus.QUEUED,
      meta: {
        workflowType: this.workflowType(j),
        taskQueue: taskQueueName(this.o.prefix, j.queue),
        ...(delayed ? { delayMs: j.delayMs } : {}),
        [SUBMITTED]: true,
      },
    });
  }

  /**
   * Starts the jobs' workflows, then emits QUEUED for those Temporal holds: never for a
   * workflow it refused. A start whose answer was an error Temporal may have applied all the
   * same (a lost reply, an id already started) is checked with `holds`, for up to 3 s; a
   * workflow Temporal holds counts as started. Should a job stay refused or unknown, the
   * others' QUEUED still go out before the error does. A workflow may start before its QUEUED
   * lands; foldEvent keeps that order harmless. A gateway that dies between a start and the
   * emit loses that QUEUED: the submission relay emits it (queuedAfterHandOver).
   */
  async enqueue(
    jobs: JobRecord[],
    holds: (job: JobRecord) => Promise<boolean> = async () => false,
  ): Promise<JobEvent[]> {
    if (jobs.length === 0) return [];
    const options = jobs.map((j) => this.options(j, j.delayMs ?? 0));
    const outcomes = await Promise.all(
      jobs.map(async (j, i): Promise<unknown> => {
        try {
          await this.start(j, this.workflowType(j), options[i]);
          return null;
        } catch (err) {
          const refused = err instanceof AppError && err.code === ErrorCode.BAD_USER_INPUT;
          if (!refused && (await heldWithin(holds(j), HOLDS_PROBE_MS))) return null;
          return err ?? new Error('Temporal refused the start');
        }
      }),
    );
    const held = jobs.filter((_, i) => outcomes[i] === null);
    const events = await this.o.emitter.emit(held.map((j) => this.submittedEvent(j)));
    const refusal = outcomes.find((o) => o !== null);
    if (refusal) throw refusal;
    return events;
  }

  /** The submission QUEUED of jobs whose workflows Temporal holds already. */
  async announce(jobs: JobRecord[]): Promise<void> {
    await this.o.emitter.emit(jobs.map((j) => this.submittedEvent(j)));
  }

  async redeliver(jobs: JobRecord[], announce: boolean): Promise<void> {
    const started = async (j: JobRecord): Promise<void> => {
      try {
        if (announce) await this.enqueue([j]);
        else await this.start(j, this.workflowType(j), this.options(j, j.delayMs ?? 0));
      } catch (err) {
        // Started meanwhile (by the submission itself, or another relay): nothing to do.
        if (!(err instanceof AppError && err.code === ErrorCode.CONFLICT)) throw err;
      }
    };
    await Promise.all(jobs.map(started));
  }
}
