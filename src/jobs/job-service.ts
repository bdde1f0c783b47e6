import { randomUUID } from 'node:crypto';
import { requireRole, tenantScope } from '../auth/principal';
import type { Principal } from '../auth/principal';
import type { JobEvent } from '../model/job-event';
import { assertEventCursor } from '../model/stream-id';
import { catalog, catalogQueues, findJobType } from '../catalog/catalog';
import { validateInput, validateSignalPayload } from '../catalog/input-validator';
import type { JobTypeDefinition } from '../model/job-type';
import { AppError, badInput, conflict, notFound, unavailable } from '../model/app-error';
import { ErrorCode } from '../model/error-code';
import type { BullmqLane } from '../lanes/bullmq/bullmq-lane';
import type { DurableLane } from '../lanes/temporal/durable-lane';
import { route } from '../router';
import type { EventStore } from '../store/event-store';
import type { JobStore } from '../store/job-store';
import { Backend, FINAL_STATUSES, JobStatus, Priority, Role } from '../model/enums';
import { decodeJobCursor, encodeJobCursor } from '../model/job-cursor';
import type { JobRecord } from '../model/job-record';
import { MAX_ATTEMPTS, MAX_DELAY_MS } from '../model/submission';
import type { Submission, SubmissionLimits } from '../model/submission';
import type { QueueCounts } from '../model/queue-counts';
import type { WorkflowInfo } from '../model/workflow-info';
import type { EventQuery } from '../model/event-query';
import type { JobQuery } from '../model/job-query';

export interface JobPage {
  edges: { cursor: string; node: JobRecord }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  /** The filter as run, for `totalCount`. */
  query: JobQuery;
}

/** Filters as the API takes them. */
export type JobFilterInput = Omit<JobQuery, 'tenant'>;

const temporalMissing = (): AppError =>
  unavailable(
    'the TEMPORAL backend is not configured on this gateway; submit with backend BULLMQ or start jobgate with Temporal',
  );

/** Submit, find and control jobs on both lanes. Knows no GraphQL. */
export class JobService {
  constructor(
    private readonly jobs: JobStore,
    private readonly events: EventStore,
    private readonly bullmq: BullmqLane,
    private readonly temporal: DurableLane | null,
    private readonly limits: SubmissionLimits,
    /** Called with the jobs a submission created (metrics). */
    private readonly hooks: { onSubmitted?: (jobs: JobRecord[]) => void } = {},
  ) {}

  private durable(): DurableLane {
    if (!this.temporal) throw temporalMissing();
    return this.temporal;
  }

  /** Checks and routes one submission into a new row (not yet stored). */
  private prepare(p: Principal, s: Submission, field: string): JobRecord {
    const type = findJobType(s.type);
    if (!type) {
      throw badInput(
        `${field}.type: unknown job type '${s.type}'; known types: ${Object.keys(catalog).join(', ')}`,
        `${field}.type`,
      );
    }
    if (s.delayMs != null && (s.delayMs < 0 || s.delayMs > MAX_DELAY_MS)) {
      throw badInput(
        `${field}.delayMs must be between 0 and ${MAX_DELAY_MS} (got ${s.delayMs})`,
        `${field}.delayMs`,
      );
    }
    if (s.maxAttempts != null && (s.maxAttempts < 1 || s.maxAttempts > MAX_ATTEMPTS)) {
      throw badInput(
        `${field}.maxAttempts must be between 1 and ${MAX_ATTEMPTS} (got ${s.maxAttempts})`,
        `${field}.maxAttempts`,
      );
    }
    for (const k of ['estimatedDurationSeconds', 'stepCount'] as const) {
      const v = s[k];
      if (v != null && v < 0)
        throw badInput(`${field}.${k} must not be negative (got ${v})`, `${field}.${k}`);
    }
    if (
      s.idempotencyKey != null &&
      (s.idempotencyKey.length < 1 || s.idempotencyKey.length > 200)
    ) {
      throw badInput(
        `${field}.idempotencyKey must be 1 to 200 characters`,
        `${field}.idempotencyKey`,
      );
    }
    const input = this.normalizeInput(type, s.input, field);
    const decision = route(type, s);
    if (decision.backend === Backend.BULLMQ && type.workflowOnly) {
      throw badInput(
        `${field}.backend: job type '${type.name}' is a workflow and runs on TEMPORAL only`,
        `${field}.backend`,
      );
    }
    if (decision.backend === Backend.TEMPORAL && !this.temporal) throw temporalMissing();
    return {
      id: randomUUID(),
      tenant: p.tenant,
      type: type.name,
      backend: decision.backend,
      routingReason: decision.reason,
      queue: type.queue,
      status: (s.delayMs ?? 0) > 0 ? JobStatus.DELAYED : JobStatus.QUEUED,
      priority: s.priority ?? Priority.NORMAL,
      progress: 0,
      attempts: 0,
      maxAttempts: s.maxAttempts ?? type.maxAttempts,
      input,
      result: null,
      error: null,
      idempotencyKey: s.idempotencyKey ?? null,
      delayMs: s.delayMs ?? null,
      createdAt: new Date(),
      startedAt: null,
      finishedAt: null,
      lastEventId: null,
    };
  }

  private normalizeInput(type: JobTypeDefinition, raw: unknown, field: string): unknown {
    const input =
      raw === undefined || raw === null ? (type.inputSchema.type === 'object' ? {} : null) : raw;
    const size = Buffer.byteLength(JSON.stringify(input) ?? 'null');
    if (size > this.limits.maxInputBytes) {
      throw badInput(
        `${field}.input is ${size} bytes of JSON; the limit is ${this.limits.maxInputBytes}`,
        `${field}.input`,
      );
    }
    validateInput(type, input, `${field}.input`);
    return input;
  }

  async submit(p: Principal, s: Submission): Promise<JobRecord> {
    return (await this.submitMany(p, [s], 'input'))[0];
  }

  /**
   * Submits a batch: all are checked before any is stored; a key already used
   * in the tenant returns the existing job. If a backend refuses, the batch's
   * new rows are removed and BACKEND_UNAVAILABLE is raised.
   */
  async submitMany(p: Principal, subs: Submission[], field = 'inputs'): Promise<JobRecord[]> {
    requireRole(p, Role.OPERATOR, 'submitting jobs');
    if (subs.length > this.limits.maxBatchSize) {
      throw badInput(
        `${field}: ${subs.length} jobs in one batch; the limit is ${this.limits.maxBatchSize}`,
        field,
      );
    }
    const prepared = subs.map((s, i) =>
      this.prepare(p, s, subs.length === 1 && field === 'input' ? field : `${field}[${i}]`),
    );
    const keys = [
      ...new Set(prepared.map((j) => j.idempotencyKey).filter((k): k is string => !!k)),
    ];
    const existing = new Map(
      (await this.jobs.findByIdempotencyKeys(p.tenant, keys)).map((j) => [j.idempotencyKey, j]),
    );
    // The first of several new submissions sharing a key wins; the rest return it.
    const fresh: JobRecord[] = [];
    const byKey = new Map<string, JobRecord>(existing as Map<string, JobRecord>);
    const result = prepared.map((j) => {
      if (j.idempotencyKey) {
        const hit = byKey.get(j.idempotencyKey);
        if (hit) return hit;
        byKey.set(j.idempotencyKey, j);
      }
      fresh.push(j);
      return j;
    });
    if (fresh.length === 0) return result;
    const inserted = await this.jobs.insert(fresh);
    const lost = fresh.filter((j) => !inserted.has(j.id));
    if (lost.length) {
      // Another request took the same key between our read and insert.
      const winners = new Map(
        (
          await this.jobs.findByIdempotencyKeys(
            p.tenant,
            lost.map((j) => j.idempotencyKey as string),
          )
        ).map((j) => [j.idempotencyKey, j]),
      );
      for (let i = 0; i < result.length; i++) {
        if (!inserted.has(result[i].id) && result[i].idempotencyKey)
          result[i] = winners.get(result[i].idempotencyKey) ?? result[i];
      }
    }
    const toRun = fresh.filter((j) => inserted.has(j.id));
    const durable = toRun.filter((j) => j.backend === Backend.TEMPORAL);
    const fast = toRun.filter((j) => j.backend === Backend.BULLMQ);
    try {
      if (durable.length) await this.durable().start(durable);
    } catch (err) {
      await this.jobs.deleteMany(toRun.map((j) => j.id));
      throw err instanceof AppError
        ? err
        : unavailable(`Temporal refused the submission: ${(err as Error).message}`);
    }
    try {
      if (fast.length) await this.bullmq.enqueue(fast);
    } catch (err) {
      await this.jobs.deleteMany(fast.map((j) => j.id));
      throw unavailable(`Redis refused the submission: ${(err as Error).message}`);
    }
    this.hooks.onSubmitted?.(toRun);
    return result;
  }

  async get(p: Principal, id: string): Promise<JobRecord | null> {
    return (await this.jobs.findById(id, tenantScope(p))) ?? null;
  }

  /** Like get, but NOT_FOUND when absent or another tenant's. */
  async require(p: Principal, id: string): Promise<JobRecord> {
    const job = await this.get(p, id);
    if (!job) throw notFound('job', id);
    return job;
  }

  async list(
    p: Principal,
    filter: JobFilterInput = {},
    first = 50,
    after?: string | null,
  ): Promise<JobPage> {
    if (!Number.isInteger(first) || first < 1 || first > 500)
      throw badInput(`first must be between 1 and 500 (got ${first})`, 'first');
    const query: JobQuery = { ...filter, tenant: tenantScope(p) };
    const { rows, hasNext } = await this.jobs.page(
      query,
      first,
      after ? decodeJobCursor(after) : undefined,
    );
    const edges = rows.map((node) => ({ cursor: encodeJobCursor(node), node }));
    return {
      edges,
      pageInfo: { hasNextPage: hasNext, endCursor: edges.at(-1)?.cursor ?? null },
      query,
    };
  }

  count(query: JobQuery): Promise<number> {
    return this.jobs.count(query);
  }

  async listEvents(
    p: Principal,
    filter: Omit<EventQuery, 'tenant'> = {},
    first = 100,
    after?: string | null,
  ): Promise<JobEvent[]> {
    if (!Number.isInteger(first) || first < 1 || first > 1000)
      throw badInput(`first must be between 1 and 1000 (got ${first})`, 'first');
    assertEventCursor(after);
    return this.events.list({ ...filter, tenant: tenantScope(p) }, first, after ?? undefined);
  }

  async cancel(p: Principal, id: string, reason?: string | null): Promise<JobRecord> {
    requireRole(p, Role.OPERATOR, 'cancelling jobs');
    const job = await this.require(p, id);
    if (FINAL_STATUSES.has(job.status))
      throw conflict(`job ${id} is already ${job.status}; nothing to cancel`);
    const why = reason ?? `cancelled by ${p.keyId ?? 'admin key'}`;
    const status =
      job.backend === Backend.TEMPORAL
        ? await this.durable().cancel(job, why)
        : await this.bullmq.cancel(job, why);
    return { ...job, status };
  }

  async terminate(p: Principal, id: string, reason?: string | null): Promise<JobRecord> {
    requireRole(p, Role.OPERATOR, 'terminating jobs');
    const job = await this.require(p, id);
    if (job.backend !== Backend.TEMPORAL)
      throw badInput(
        `job ${id} runs on BULLMQ; terminateJob is for TEMPORAL jobs, use cancelJob`,
        'id',
      );
    if (FINAL_STATUSES.has(job.status))
      throw conflict(`job ${id} is already ${job.status}; nothing to terminate`);
    const status = await this.durable().terminate(job, reason ?? 'terminated');
    return { ...job, status };
  }

  async retry(p: Principal, id: string): Promise<JobRecord> {
    requireRole(p, Role.OPERATOR, 'retrying jobs');
    const job = await this.require(p, id);
    if (job.status !== JobStatus.FAILED && job.status !== JobStatus.CANCELLED) {
      throw conflict(`job ${id} is ${job.status}; only FAILED or CANCELLED jobs can be retried`);
    }
    if (job.backend === Backend.TEMPORAL) await this.durable().retry(job);
    else await this.bullmq.retry(job);
    return {
      ...job,
      status: JobStatus.QUEUED,
      attempts: 0,
      error: null,
      result: null,
      progress: 0,
      finishedAt: null,
      startedAt: null,
    };
  }

  /** Retries every FAILED job matching the filter (at most 10,000 per call). */
  async retryMany(p: Principal, filter: JobFilterInput): Promise<number> {
    requireRole(p, Role.OPERATOR, 'retrying jobs');
    if (filter.statuses?.some((s) => s !== JobStatus.FAILED)) {
      throw badInput(
        'filter.statuses: retryJobs retries FAILED jobs only; leave statuses out or use [FAILED]',
        'filter.statuses',
      );
    }
    const jobs = await this.jobs.ids(
      { ...filter, statuses: [JobStatus.FAILED], tenant: tenantScope(p) },
      10_000,
    );
    let n = 0;
    for (const job of jobs) {
      try {
        if (job.backend === Backend.TEMPORAL) await this.durable().retry(job);
        else await this.bullmq.retry(job);
        n++;
      } catch (err) {
        // A job retried meanwhile by someone else is not an error of the batch.
        if (!(err instanceof AppError && err.code === ErrorCode.CONFLICT)) throw err;
      }
    }
    return n;
  }

  async signal(p: Principal, id: string, name: string, payload: unknown): Promise<JobRecord> {
    requireRole(p, Role.OPERATOR, 'signalling jobs');
    const job = await this.require(p, id);
    if (job.backend !== Backend.TEMPORAL)
      throw badInput(`job ${id} runs on BULLMQ; only TEMPORAL jobs take signals`, 'id');
    const type = findJobType(job.type);
    if (!type?.signals.includes(name)) {
      throw badInput(
        `signal: '${name}' is not a signal of job type '${job.type}'; it accepts: ${type?.signals.join(', ') || 'none'}`,
        'signal',
      );
    }
    validateSignalPayload(type, name, payload);
    if (FINAL_STATUSES.has(job.status))
      throw conflict(`job ${id} is already ${job.status}; it takes no more signals`);
    await this.durable().signal(job, name, payload);
    return job;
  }

  async query(p: Principal, id: string, name: string, args: unknown): Promise<unknown> {
    const job = await this.require(p, id);
    if (job.backend !== Backend.TEMPORAL)
      throw badInput(`job ${id} runs on BULLMQ; workflowQuery is for TEMPORAL jobs`, 'jobId');
    const type = findJobType(job.type);
    if (type && type.queries.length && !type.queries.includes(name)) {
      throw badInput(
        `name: '${name}' is not a query of job type '${job.type}'; it answers: ${type.queries.join(', ')}`,
        'name',
      );
    }
    return this.durable().query(job, name, args);
  }

  async describe(jobs: readonly JobRecord[]): Promise<Map<string, WorkflowInfo | null>> {
    const durable = jobs.filter((j) => j.backend === Backend.TEMPORAL);
    if (!durable.length || !this.temporal) return new Map();
    return this.temporal.describe(durable);
  }

  jobTypes(): JobTypeDefinition[] {
    return Object.values(catalog);
  }

  async queues(): Promise<QueueCounts[]> {
    const fast = await Promise.all(catalogQueues().map((q) => this.bullmq.stats(q)));
    const durable = this.temporal ? await this.temporal.stats().catch(() => []) : [];
    return [...fast, ...durable];
  }

  private knownQueue(name: string): void {
    if (!catalogQueues().includes(name)) throw notFound('BullMQ queue', name);
  }

  async pauseQueue(p: Principal, name: string): Promise<QueueCounts> {
    requireRole(p, Role.ADMIN, 'pausing queues');
    this.knownQueue(name);
    await this.bullmq.pause(name);
    return this.bullmq.stats(name);
  }

  async resumeQueue(p: Principal, name: string): Promise<QueueCounts> {
    requireRole(p, Role.ADMIN, 'resuming queues');
    this.knownQueue(name);
    await this.bullmq.resume(name);
    return this.bullmq.stats(name);
  }
}
