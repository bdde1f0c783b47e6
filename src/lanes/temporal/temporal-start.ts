import type { Client, WorkflowStartOptions } from '@temporalio/client';
import type { BusEmitter } from '../../bus/event-emitter';
import type { NewJobEvent } from '../../model/job-event';
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
import type { TemporalKeys } from './temporal-keys';
import type { HandOver } from '../lane';
import { hasFlowControl } from '../../model/flow-control';
import { fairName } from '../flow-gate-keys';

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
  /** Deduplication and debounce keys; without them, those options are not applied. */
  keys?: TemporalKeys;
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
    const flow = this.flowArgs(job);
    if (flow) memo.flow = flow;
    const arg: WorkflowJob = { job: refOf(job), input: job.input, ...memo };
    const fairnessKey = fairName(def.flowControl, job.flowKeys, job.tenant, job.type);
    return {
      workflowId: job.id,
      taskQueue: taskQueueName(this.o.prefix, job.queue),
      // A user's workflow is called with its input alone; the job travels in the memo. The
      // processor workflow gets it all in its argument, and a start stays as small as it was.
      ...(def.workflowName
        ? { args: [job.input], memo: { [JOB_MEMO]: memo }, workflowExecutionTimeout: def.timeoutMs }
        : { args: [arg] }),
      // NORMAL is the server's default key, so it is left out.
      ...(job.priority !== Priority.NORMAL || fairnessKey
        ? {
            priority: {
              ...(job.priority !== Priority.NORMAL
                ? { priorityKey: temporalPriority[job.priority] }
                : {}),
              // Temporal's fairness: tasks of a busy key do not hold back those of the others.
              ...(fairnessKey ? { fairnessKey } : {}),
            },
          }
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

  /** How long a job may hold a per-key slot or deduplication key should it never give it back, ms. */
  holdMs(job: JobRecord): number {
    const def = this.o.catalog.find(job.type);
    const timeout = def?.timeoutMs ?? 30_000;
    return def?.workflowName ? timeout + 60_000 : (timeout + 30_000) * job.maxAttempts + 60_000;
  }

  /** What the flow activities of `job` apply; undefined for a job with no flow control. */
  private flowArgs(job: JobRecord): WorkflowJob['flow'] {
    const fc = this.o.catalog.find(job.type)?.flowControl;
    if (!hasFlowControl(fc) || !job.flowKeys) return undefined;
    return { control: fc, keys: job.flowKeys, leaseMs: this.holdMs(job) };
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
    all: JobRecord[],
    holds: (job: JobRecord) => Promise<boolean> = async () => false,
  ): Promise<HandOver> {
    const joined = await this.joined(all);
    const jobs = all.filter((j) => !joined.has(j.id));
    if (jobs.length === 0) return { joined };
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
    await this.o.emitter.emit(held.map((j) => this.submittedEvent(j)));
    const refusal = outcomes.find((o) => o !== null);
    if (refusal) throw refusal;
    return { joined };
  }

  /**
   * Applies deduplication and debounce keys: the jobs that join an earlier one of their key
   * (by id), and for a debounced job, it becomes the one its key waits for.
   */
  private async joined(jobs: JobRecord[]): Promise<Map<string, string>> {
    const joined = new Map<string, string>();
    const keys = this.o.keys;
    if (!keys) return joined;
    await Promise.all(
      jobs.map(async (j) => {
        const fc = this.o.catalog.find(j.type)?.flowControl;
        if (!j.flowKeys || !hasFlowControl(fc)) return;
        const holder = await keys.joins(j, fc, this.holdMs(j));
        if (holder) joined.set(j.id, holder);
        else await keys.replaces(j, fc);
      }),
    );
    return joined;
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
