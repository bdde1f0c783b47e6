import { Client, Connection } from '@temporalio/client';
import type { WorkflowStartOptions } from '@temporalio/client';
import type { Redis } from 'ioredis';
import type { JobEvent } from '../../model/job-event';
import type { Logger } from 'pino';
import type { BusEmitter } from '../../bus/event-emitter';
import { unavailable } from '../../model/app-error';
import { Backend } from '../../model/enums';
import type { JobStatus } from '../../model/enums';
import type { JobTypeCatalog } from '../../model/job-type';
import type { JobRecord } from '../../model/job-record';
import type { QueueCounts } from '../../model/queue-counts';
import type { WorkflowInfo } from '../../model/workflow-info';
import { taskQueueName } from './contract';
import type { DurableLane } from './durable-lane';
import type { HandOver, WorkflowControl } from '../lane';
import { TemporalKeys } from './temporal-keys';
import { FlowGate } from '../flow-gate';
import { hasFlowControl } from '../../model/flow-control';
import type { FlowLane } from '../flow-lane';
import { TemporalFlows } from './temporal-flows';
import { ensureSearchAttributes } from './search-attributes';
import { translateTemporalError } from './temporal-errors';
import { taskQueueCounts } from './temporal-stats';
import { TemporalSchedules } from './temporal-schedules';
import { TemporalStarts } from './temporal-start';
import { TemporalControl } from './temporal-control';
import { TemporalRuns } from './temporal-runs';
import type { WorkflowOutcome } from './temporal-runs';

export type { WorkflowOutcome } from './temporal-runs';

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
  /** Where deduplication and debounce keys live (see TemporalKeys): the emitter's connection by default. */
  redis?: Redis;
  /** How long `connect` waits for the frontend, ms. @defaultValue 10000 */
  connectTimeoutMs?: number;
  /** How long `cancel` waits for the workflow to close before answering, ms. @defaultValue 5000 */
  cancelWaitMs?: number;
  /** Longest wait for a query answer, ms. @defaultValue 10000 */
  queryTimeoutMs?: number;
}

/**
 * The durable lane: starts and controls Temporal workflows. Knows nothing of GraphQL.
 * Starting lives in TemporalStarts, control in TemporalControl, reads in TemporalRuns.
 */
export class TemporalLane implements DurableLane {
  readonly backend = Backend.TEMPORAL;

  private readonly starts: TemporalStarts;
  private readonly runs: TemporalRuns;
  private readonly control: TemporalControl;
  private readonly keys: TemporalKeys;
  private readonly gate: FlowGate;

  private constructor(
    private readonly connection: Connection,
    private readonly client: Client,
    private readonly o: TemporalLaneOptions,
  ) {
    const redis = o.redis ?? o.emitter.connection;
    this.keys = new TemporalKeys(redis, o.prefix);
    this.gate = new FlowGate(redis, o.prefix);
    this.starts = new TemporalStarts(client, { ...o, keys: this.keys });
    this.runs = new TemporalRuns(client);
    this.control = new TemporalControl(connection, client, this.runs, this.starts, o);
  }

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

  /** How the lane starts `job`'s workflow (its id, task queue, argument or memo, priority, attributes). */
  startOptions(job: JobRecord, delayMs: number): WorkflowStartOptions {
    return this.starts.options(job, delayMs);
  }

  /** The workflow type that runs `job`: its user workflow, or the processor workflow. */
  workflowType(job: JobRecord): string {
    return this.starts.workflowType(job);
  }

  enqueue(jobs: JobRecord[]): Promise<HandOver> {
    return this.starts.enqueue(jobs, (j) => this.exists(j));
  }

  /** Temporal's start and the QUEUED emit are two steps (see TemporalStarts.enqueue). */
  readonly queuedAfterHandOver = true;

  announce(jobs: JobRecord[]): Promise<void> {
    return this.starts.announce(jobs);
  }

  /** Flows on this lane: trees of child workflows. */
  flows(): FlowLane {
    return (this.flowLane ??= new TemporalFlows(this, this.o.emitter));
  }

  private flowLane?: FlowLane;

  /** Starts a workflow for `job` (BACKEND_UNAVAILABLE or CONFLICT when Temporal refuses). */
  startWorkflow(job: JobRecord, type: string, options: WorkflowStartOptions): Promise<void> {
    return this.starts.start(job, type, options);
  }

  /** The task queue of a catalog queue. */
  taskQueue(queue: string): string {
    return this.starts.taskQueue(queue);
  }

  async exists(job: JobRecord): Promise<boolean> {
    return (await this.runs.byId(job.id)) !== null;
  }

  redeliver(jobs: JobRecord[], announce: boolean): Promise<void> {
    return this.starts.redeliver(jobs, announce);
  }

  cancel(job: JobRecord, reason: string): Promise<JobStatus> {
    return this.control.cancel(job, reason);
  }

  /** This lane's jobs are workflows: it does the workflow control itself. */
  get workflows(): WorkflowControl {
    return this;
  }

  /**
   * A terminated workflow runs no cleanup of its own: its per-key slot and its deduplication
   * key (one without a TTL) are given back here.
   */
  async terminate(job: JobRecord, reason: string): Promise<JobStatus> {
    const status = await this.control.terminate(job, reason);
    const fc = this.o.catalog.find(job.type)?.flowControl;
    if (job.flowKeys && hasFlowControl(fc)) {
      const j = { id: job.id, tenant: job.tenant, type: job.type, attempt: 1, keys: job.flowKeys };
      await Promise.all([this.gate.release(fc, j), this.keys.forget(j, fc, job.flowKeys)]).catch(
        (err: unknown) =>
          this.o.log.warn(
            { err, jobId: job.id },
            'could not give back the per-key slot of a terminated job',
          ),
      );
    }
    return status;
  }

  retry(job: JobRecord): Promise<JobEvent> {
    return this.control.retry(job);
  }

  signal(job: JobRecord, name: string, payload: unknown): Promise<void> {
    return this.control.signal(job, name, payload);
  }

  query(job: JobRecord, name: string, args: unknown): Promise<unknown> {
    return this.control.query(job, name, args);
  }

  describe(jobs: readonly JobRecord[]): Promise<Map<string, WorkflowInfo | null>> {
    return this.runs.describe(jobs);
  }

  /** How the job's latest run ended (with its result or failure), null while absent or another tenant's. */
  outcome(job: JobRecord): Promise<WorkflowOutcome | null> {
    return this.runs.outcome(job);
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
