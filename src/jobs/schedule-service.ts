import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { requireRole, tenantScope } from '../auth/principal';
import type { Principal } from '../auth/principal';
import type { BullmqLane } from '../lanes/bullmq/bullmq-lane';
import type { ScheduleEngine } from '../lanes/schedule-engine';
import { AppError, badInput, notFound } from '../model/app-error';
import { ErrorCode } from '../model/error-code';
import { Backend, Priority, Role } from '../model/enums';
import type { JobRecord } from '../model/job-record';
import type { JobTypeCatalog } from '../model/job-type';
import {
  CODE_SCHEDULE_PREFIX,
  CODE_SCHEDULE_TENANT,
  codeScheduleId,
  isCodeScheduleId,
  OverlapPolicy,
} from '../model/schedule';
import type { ScheduleInput, ScheduleRecord } from '../model/schedule';
import { nextRunTimes } from '../model/schedule-times';
import { route } from '../router';
import type { JobStore } from '../store/job-store';
import type { ScheduleStore, StoredSchedule } from '../store/schedule-store';
import { validateInput } from '../registry/input-validator';
import { temporalMissing } from './lanes-access';
import { checkTiming, specHash } from './schedule-checks';
import type { ScheduledRuns } from './scheduled-runs';

/** Whether `s` is a code schedule a worker wrote (not a row some tenant wrote at that id). */
const isOwnedCode = (s: StoredSchedule): boolean =>
  s.source === 'code' && s.tenant === CODE_SCHEDULE_TENANT && isCodeScheduleId(s.id);

/** What a ScheduleService is built from. */
export interface ScheduleServiceDeps {
  store: ScheduleStore;
  jobs: JobStore;
  catalog: JobTypeCatalog;
  runs: ScheduledRuns;
  /** The fast lane, which a BULLMQ trigger hands its run to. */
  bullmq: BullmqLane;
  /** Each lane's schedules; TEMPORAL absent where this process has no durable lane. */
  engines: Partial<Record<Backend, ScheduleEngine>>;
  /** Most schedules one tenant may create over the API. @defaultValue no limit */
  maxPerTenant?: number;
}

/**
 * Schedules of both lanes: checks, the `schedules` table and the engines' own schedulers,
 * kept in step under one lock per schedule. Knows no GraphQL.
 */
export class ScheduleService {
  constructor(private readonly d: ScheduleServiceDeps) {}

  private engine(backend: Backend): ScheduleEngine {
    const e = this.d.engines[backend];
    if (!e) throw temporalMissing();
    return e;
  }

  /** The schedule, or null when absent or another tenant's. */
  async get(p: Principal, id: string): Promise<StoredSchedule | null> {
    const s = await this.d.store.find(id);
    const scope = tenantScope(p);
    return s && (scope === undefined || s.tenant === scope) ? s : null;
  }

  private async require(p: Principal, id: string): Promise<StoredSchedule> {
    const s = await this.get(p, id);
    if (!s) throw notFound('schedule', id);
    return s;
  }

  list(p: Principal): Promise<StoredSchedule[]> {
    return this.d.store.list(tenantScope(p));
  }

  /** Checks an input into the record it would store; nothing is written. */
  private async prepare(
    tenant: string,
    i: ScheduleInput,
    field: string,
    source: string,
  ): Promise<StoredSchedule> {
    checkTiming(i, field);
    const type = this.d.catalog.find(i.type) ?? (await this.d.catalog.ensure(i.type));
    if (!type)
      throw badInput(
        `${field}.type: unknown job type '${i.type}'; known types: ${
          this.d.catalog
            .all()
            .map((t) => t.name)
            .join(', ') || 'none (no worker has registered any yet)'
        }`,
        `${field}.type`,
      );
    const input =
      i.input === undefined || i.input === null
        ? type.inputSchema.type === 'object'
          ? {}
          : null
        : i.input;
    validateInput(type, input, `${field}.input`);
    const backend = route(type, { backend: i.backend }).backend;
    if (type.workflowOnly && backend !== Backend.TEMPORAL)
      throw badInput(
        `${field}.backend: job type '${type.name}' is a workflow and runs on TEMPORAL only`,
        `${field}.backend`,
      );
    this.engine(backend);
    const base = {
      id: i.id ?? randomUUID(),
      tenant,
      type: type.name,
      input,
      backend,
      priority: i.priority ?? Priority.NORMAL,
      queue: type.queue,
      cron: i.cron ? i.cron.trim() : null,
      everyMs: i.cron ? null : (i.everyMs ?? null),
      timezone: i.timezone ?? 'UTC',
      overlap: i.overlap ?? OverlapPolicy.SKIP,
      startAt: i.startAt ?? null,
      endAt: i.endAt ?? null,
    };
    return {
      ...base,
      paused: !!i.paused,
      note: null,
      source,
      specHash: specHash(base, type.version),
      createdAt: new Date(),
    };
  }

  /**
   * Creates or replaces a schedule over the API. The engine is written only when the spec, the
   * type's version or the paused state changed, and the row commits only when the engine took
   * it. Ids under {@link CODE_SCHEDULE_PREFIX} belong to schedules declared in code and are
   * refused.
   */
  async upsert(p: Principal, i: ScheduleInput): Promise<StoredSchedule> {
    requireRole(p, Role.OPERATOR, 'changing schedules');
    const field = 'input';
    if (i.id && isCodeScheduleId(i.id))
      throw badInput(
        `${field}.id: ids starting with '${CODE_SCHEDULE_PREFIX}' are reserved for schedules declared in code (defineJob or defineWorkflow schedules), which workers write; choose another id, or pause or resume that schedule instead`,
        `${field}.id`,
      );
    const first = i.id ? await this.d.store.find(i.id) : undefined;
    if (first && tenantScope(p) !== undefined && first.tenant !== p.tenant)
      throw notFound('schedule', i.id as string);
    const next = await this.prepare(first?.tenant ?? p.tenant, i, field, 'api');
    return this.d.store.locked(next.id, async (m) => {
      const old = await this.d.store.find(next.id, m);
      if (old && old.tenant !== next.tenant) throw notFound('schedule', next.id);
      if (old && old.specHash === next.specHash && old.paused === next.paused) return old;
      if (!old) await this.checkQuota(next.tenant, m);
      const record: StoredSchedule = {
        ...next,
        createdAt: old?.createdAt ?? next.createdAt,
        note: next.paused && old?.paused ? old.note : null,
      };
      await this.commit(old, record, m);
      return record;
    });
  }

  /**
   * Creates or replaces a schedule declared in code, in tenant {@link CODE_SCHEDULE_TENANT}
   * under the id `code.<declared id>`. One whose spec did not change is left as it is, and one
   * whose spec changed keeps its paused state and note. A row at that id that is not a code
   * schedule of that tenant is never kept: its engine schedule is removed and the row replaced.
   */
  /** A new schedule past the tenant's MAX_SCHEDULES_PER_TENANT is refused (replacing one is not). */
  private async checkQuota(tenant: string, m: EntityManager): Promise<void> {
    const max = this.d.maxPerTenant;
    if (max === undefined) return;
    const n = await this.d.store.count(tenant, m);
    if (n >= max) {
      throw new AppError(
        ErrorCode.RATE_LIMITED,
        `tenant '${tenant}' has ${n} schedules; the limit is ${max} (MAX_SCHEDULES_PER_TENANT). Delete one, or replace one by giving its id`,
        { limit: max, schedules: n },
      );
    }
  }

  async upsertCode(i: ScheduleInput & { id: string }): Promise<StoredSchedule> {
    const legacy = await this.retireLegacyCode(i.id);
    const next = await this.prepare(
      CODE_SCHEDULE_TENANT,
      { ...i, id: codeScheduleId(i.id) },
      'schedule',
      'code',
    );
    return this.d.store.locked(next.id, async (m) => {
      const found = await this.d.store.find(next.id, m);
      const old = found && isOwnedCode(found) ? found : undefined;
      if (old && old.specHash === next.specHash) return old;
      // Code declares a spec, never a pause: a new spec or version from a worker keeps the
      // pause (and its note) an operator set over the API.
      const kept = old ?? legacy;
      const paused = kept?.paused ?? false;
      const record: StoredSchedule = {
        ...next,
        paused,
        createdAt: kept?.createdAt ?? next.createdAt,
        note: paused ? (kept?.note ?? null) : null,
      };
      // Someone else's row at this id (written before the namespace existed): its engine
      // schedule goes, whatever it was, and the row is replaced whole.
      if (found && !old) await this.engine(found.backend).remove(found);
      await this.commit(old, record, m);
      return record;
    });
  }

  /**
   * Removes a code schedule stored under its bare declared id (before code schedules had their
   * own namespace), in whichever tenant it ended up; the tenant-`default` one, whose pause is
   * carried over, is returned.
   */
  private async retireLegacyCode(declared: string): Promise<StoredSchedule | undefined> {
    const seen = await this.d.store.find(declared);
    if (!seen || seen.source !== 'code') return undefined;
    return this.d.store.locked(declared, async (m) => {
      const s = await this.d.store.find(declared, m);
      if (!s || s.source !== 'code') return undefined;
      await this.engine(s.backend).remove(s);
      await this.d.store.delete(declared, m);
      return s.tenant === CODE_SCHEDULE_TENANT ? s : undefined;
    });
  }

  /** Writes `record` to its engine (moving it off the old one when needed), then the row. */
  private async commit(
    old: StoredSchedule | undefined,
    record: StoredSchedule,
    m: EntityManager,
  ): Promise<void> {
    if (old && old.backend !== record.backend) await this.engine(old.backend).remove(old);
    else if (old && old.queue !== record.queue && record.backend === Backend.BULLMQ)
      await this.engine(old.backend).remove(old);
    await this.engine(record.backend).upsert(record);
    await this.d.store.save(record, m);
  }

  async pause(p: Principal, id: string, note: string | null): Promise<StoredSchedule> {
    requireRole(p, Role.OPERATOR, 'pausing schedules');
    await this.require(p, id);
    return this.d.store.locked(id, async (m) => {
      const s = await this.d.store.find(id, m);
      if (!s) throw notFound('schedule', id);
      await this.engine(s.backend).pause(s, note);
      await this.d.store.setPaused(id, true, note, m);
      return { ...s, paused: true, note };
    });
  }

  async resume(p: Principal, id: string): Promise<StoredSchedule> {
    requireRole(p, Role.OPERATOR, 'resuming schedules');
    await this.require(p, id);
    return this.d.store.locked(id, async (m) => {
      const s = await this.d.store.find(id, m);
      if (!s) throw notFound('schedule', id);
      await this.engine(s.backend).resume(s);
      await this.d.store.setPaused(id, false, null, m);
      return { ...s, paused: false, note: null };
    });
  }

  /** Starts one run now, whatever the spec and overlap policy say; the run's job. */
  async trigger(p: Principal, id: string): Promise<JobRecord> {
    requireRole(p, Role.OPERATOR, 'triggering schedules');
    const s = await this.require(p, id);
    const run = await this.engine(s.backend).trigger(s);
    const fields = {
      jobId: run.jobId,
      scheduleId: s.id,
      tenant: s.tenant,
      type: s.type,
      backend: s.backend,
      queue: s.queue,
      input: s.input,
      priority: s.priority,
      dueAt: run.dueAt,
    };
    await this.d.runs.record(fields);
    const job = await this.d.jobs.findById(run.jobId);
    if (!job) throw notFound('job', run.jobId);
    // BullMQ has no trigger: the run is handed to the queue as a job of the schedule.
    if (s.backend === Backend.BULLMQ) await this.d.bullmq.redeliver([job], false);
    return job;
  }

  async delete(p: Principal, id: string): Promise<boolean> {
    requireRole(p, Role.OPERATOR, 'deleting schedules');
    await this.require(p, id);
    return this.d.store.locked(id, async (m) => {
      const s = await this.d.store.find(id, m);
      if (!s) return false;
      await this.engine(s.backend).remove(s);
      await this.d.store.delete(id, m);
      return true;
    });
  }

  /** The next times a run is due; none while paused. */
  nextRunTimes(s: ScheduleRecord, count: number): Date[] {
    if (!Number.isInteger(count) || count < 0 || count > 100)
      throw badInput(`count must be between 0 and 100 (got ${count})`, 'count');
    return s.paused ? [] : nextRunTimes(s, Date.now(), count);
  }

  /** Jobs this schedule started, newest first. */
  async recentJobs(s: ScheduleRecord, first: number): Promise<JobRecord[]> {
    if (!Number.isInteger(first) || first < 1 || first > 100)
      throw badInput(`first must be between 1 and 100 (got ${first})`, 'first');
    return (await this.d.jobs.page({ scheduleIds: [s.id], tenant: s.tenant }, first)).rows;
  }
}
