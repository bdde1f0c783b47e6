import { randomUUID } from 'node:crypto';
import { requireRole } from '../auth/principal';
import type { Principal } from '../auth/principal';
import { validateInput } from '../registry/input-validator';
import { engineMayHold } from './hand-over';
import { AppError, badInput, unavailable } from '../model/app-error';
import { Backend, JobStatus, Priority, Role } from '../model/enums';
import { ErrorCode } from '../model/error-code';
import type { JobRecord } from '../model/job-record';
import type { JobTypeCatalog, JobTypeDefinition } from '../model/job-type';
import { MAX_ATTEMPTS, MAX_DELAY_MS } from '../model/submission';
import type { Submission, SubmissionLimits } from '../model/submission';
import { route } from '../router';
import { flowKeysOf, hasFlowControl } from '../model/flow-control';
import type { FlowKeys } from '../model/flow-control';
import type { JobStore } from '../store/job-store';
import type { Lanes } from './lanes-access';
import { laneOf } from './lanes-access';

/** What each lane's engine is called in an error a person reads. */
const ENGINE: Record<Backend, string> = {
  [Backend.BULLMQ]: 'Redis',
  [Backend.TEMPORAL]: 'Temporal',
};

/** Checks, routes and stores submissions, and hands them to their lanes. Knows no GraphQL. */
export class SubmissionService {
  constructor(
    private readonly jobs: JobStore,
    private readonly lanes: Lanes,
    private readonly catalog: JobTypeCatalog,
    private readonly limits: SubmissionLimits,
    /** Called with the jobs a submission created (metrics). */
    private readonly hooks: {
      onSubmitted?: (jobs: JobRecord[]) => void;
      /** A lane's enqueue failed while its engine may hold the jobs: rows kept for the relay. */
      onHandOverUnknown?: (backend: Backend, jobs: JobRecord[], err: Error) => void;
    } = {},
  ) {}

  /** Checks and routes one submission into a new row (not yet stored). */
  async prepare(p: Principal, s: Submission, field: string): Promise<JobRecord> {
    const type = this.catalog.find(s.type) ?? (await this.catalog.ensure(s.type));
    if (!type) {
      throw badInput(
        `${field}.type: unknown job type '${s.type}'; known types: ${
          this.catalog
            .all()
            .map((t) => t.name)
            .join(', ') || 'none (no worker has registered any yet)'
        }`,
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
    if (type.workflowOnly && !laneOf(this.lanes, decision.backend).workflows) {
      throw badInput(
        `${field}.backend: job type '${type.name}' is a workflow and runs on TEMPORAL only`,
        `${field}.backend`,
      );
    }
    laneOf(this.lanes, decision.backend);
    const flowKeys = this.flowKeys(type, input, field);
    // A debounced job waits its debounce time at least: a later one of its key replaces it meanwhile.
    const delayMs =
      flowKeys?.debounce !== undefined
        ? Math.max(s.delayMs ?? 0, type.flowControl.debounce?.ms ?? 0)
        : s.delayMs;
    return {
      id: randomUUID(),
      tenant: p.tenant,
      type: type.name,
      backend: decision.backend,
      routingReason: decision.reason,
      queue: type.queue,
      status: (delayMs ?? 0) > 0 ? JobStatus.DELAYED : JobStatus.QUEUED,
      priority: s.priority ?? Priority.NORMAL,
      progress: 0,
      attempts: 0,
      maxAttempts: s.maxAttempts ?? type.maxAttempts,
      input,
      result: null,
      error: null,
      idempotencyKey: s.idempotencyKey ?? null,
      delayMs: delayMs ?? null,
      maskedPaths: type.sensitiveFields.length ? [...type.sensitiveFields] : null,
      flowKeys,
      createdAt: new Date(),
      startedAt: null,
      finishedAt: null,
      lastEventId: null,
    };
  }

  /** The key of each of the type's flow-control options, from the input; null when it has none. */
  private flowKeys(type: JobTypeDefinition, input: unknown, field: string): FlowKeys | null {
    if (!hasFlowControl(type.flowControl)) return null;
    const read = flowKeysOf(type.flowControl, input);
    if ('missing' in read) {
      const { option, path } = read.missing;
      throw badInput(
        `${field}.${path}: job type '${type.name}' keys its ${option} on ${path}, so the input needs a string, number or boolean there`,
        `${field}.${path}`,
      );
    }
    return read.keys;
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

  /**
   * A tenant may have at most `maxDelayedPerTenant` jobs waiting for their delay: counted
   * only when the batch delays some, so plain submissions cost no read. Concurrent batches
   * can pass it together by at most their own size.
   */
  private async checkDelayedQuota(p: Principal, fresh: JobRecord[], field: string): Promise<void> {
    const max = this.limits.maxDelayedPerTenant;
    const delayed = fresh.filter((j) => j.status === JobStatus.DELAYED).length;
    if (max === undefined || delayed === 0) return;
    const waiting = await this.jobs.count({ tenant: p.tenant, statuses: [JobStatus.DELAYED] });
    if (waiting + delayed > max) {
      throw new AppError(
        ErrorCode.RATE_LIMITED,
        `${field}: tenant '${p.tenant}' has ${waiting} delayed jobs waiting and this adds ${delayed}; the limit is ${max} (MAX_DELAYED_JOBS_PER_TENANT). Submit them when some have started, or without a delay`,
        { limit: max, waiting },
      );
    }
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
    const prepared = await Promise.all(
      subs.map((s, i) =>
        this.prepare(p, s, subs.length === 1 && field === 'input' ? field : `${field}[${i}]`),
      ),
    );
    // The first of several submissions of the batch sharing a key wins; the rest return it.
    // A key already used in the tenant is found by the insert itself (ON CONFLICT DO NOTHING),
    // so a keyed submission costs no extra read unless its key was taken.
    const fresh: JobRecord[] = [];
    const byKey = new Map<string, JobRecord>();
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
    await this.checkDelayedQuota(p, fresh, field);
    const inserted = await this.jobs.insert(fresh);
    const lost = fresh.filter((j) => !inserted.has(j.id));
    if (lost.length) {
      // Their keys were taken: by an earlier submission, or by another request just now.
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
    // Each lane in turn. TEMPORAL goes first: it refuses more (bad start options, a missing
    // namespace) and keeps nothing when it does. While nothing has reached an engine, a lane that
    // refuses takes its rows and those of the lanes not yet handed over with it, so no row stays
    // that no engine holds, and the client can safely try again. Once an engine may hold a job
    // (it said so, or its answer was lost), the submission is accepted as a whole: every row
    // stays, and the submission relay hands over whatever an engine lacks (engines key jobs by
    // their id, so nothing runs twice).
    const order = [Backend.TEMPORAL, Backend.BULLMQ];
    let accepted = false;
    const dropped = new Set<string>();
    for (let i = 0; i < order.length; i++) {
      const jobs = toRun.filter((j) => j.backend === order[i]);
      if (!jobs.length) continue;
      try {
        const { joined } = await laneOf(this.lanes, order[i]).enqueue(jobs);
        accepted = true;
        if (joined.size) for (const id of await this.join(p, result, joined)) dropped.add(id);
      } catch (err) {
        if (accepted || (await engineMayHold(laneOf(this.lanes, order[i]), jobs))) {
          accepted = true;
          this.hooks.onHandOverUnknown?.(order[i], jobs, err as Error);
          continue;
        }
        const left = new Set(order.slice(i));
        await this.jobs.deleteMany(toRun.filter((j) => left.has(j.backend)).map((j) => j.id));
        throw err instanceof AppError
          ? err
          : unavailable(`${ENGINE[order[i]]} refused the submission: ${(err as Error).message}`);
      }
    }
    this.hooks.onSubmitted?.(dropped.size ? toRun.filter((j) => !dropped.has(j.id)) : toRun);
    return result;
  }

  /**
   * Jobs their engine joined to an earlier job of their deduplication key: their rows go,
   * and the submission answers the job each joined, as an idempotency key does. Returns the
   * ids of the rows removed.
   */
  private async join(
    p: Principal,
    result: JobRecord[],
    joined: Map<string, string>,
  ): Promise<string[]> {
    const earlier = await this.jobs.findByIds([...new Set(joined.values())], p.tenant);
    const gone = [...joined].filter(([, to]) => earlier.has(to));
    await this.jobs.deleteMany(gone.map(([id]) => id));
    for (let i = 0; i < result.length; i++) {
      const to = joined.get(result[i].id);
      const hit = to ? earlier.get(to) : undefined;
      if (hit) result[i] = hit;
    }
    return gone.map(([id]) => id);
  }
}
