import { randomUUID } from 'node:crypto';
import { requireRole, tenantScope } from '../auth/principal';
import type { Principal } from '../auth/principal';
import type { BullmqLane } from '../lanes/bullmq/bullmq-lane';
import type { ScheduleEngine } from '../lanes/schedule-engine';
import { badInput, notFound } from '../model/app-error';
import { Backend, Priority, Role } from '../model/enums';
import type { JobRecord } from '../model/job-record';
import type { JobTypeCatalog } from '../model/job-type';
import { OverlapPolicy } from '../model/schedule';
import type { ScheduleInput, ScheduleRecord } from '../model/schedule';
import { nextRunTimes } from '../model/schedule-times';
import { route } from '../router';
import type { JobStore } from '../store/job-store';
import type { ScheduleStore, StoredSchedule } from '../store/schedule-store';
import { validateInput } from '../registry/input-validator';
import { temporalMissing } from './lanes-access';
import { checkTiming, specHash } from './schedule-checks';
import type { ScheduledRuns } from './scheduled-runs';

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
   * Creates or replaces a schedule. The engine is written only when the spec, the type's
   * version or the paused state changed, and the row commits only when the engine took it. A
   * code-declared schedule (`source` 'code') whose spec did not change is left as it is, and
   * one whose spec changed keeps its paused state and note.
   */
  async upsert(p: Principal, i: ScheduleInput, source = 'api'): Promise<StoredSchedule> {
    requireRole(p, Role.OPERATOR, 'changing schedules');
    const field = 'input';
    const first = i.id ? await this.d.store.find(i.id) : undefined;
    if (first && tenantScope(p) !== undefined && first.tenant !== p.tenant)
      throw notFound('schedule', i.id as string);
    const next = await this.prepare(first?.tenant ?? p.tenant, i, field, source);
    return this.d.store.locked(next.id, async (m) => {
      const old = await this.d.store.find(next.id, m);
      if (old && old.tenant !== next.tenant) throw notFound('schedule', next.id);
      if (
        old &&
        old.specHash === next.specHash &&
        (source === 'code' || old.paused === next.paused)
      )
        return old;
      // Code declares a spec, never a pause: a new spec or version from a worker keeps the
      // pause (and its note) an operator set over the API.
      const paused = source === 'code' && old ? old.paused : next.paused;
      const record: StoredSchedule = {
        ...next,
        paused,
        createdAt: old?.createdAt ?? next.createdAt,
        note: paused && old?.paused ? old.note : null,
      };
      if (old && old.backend !== record.backend) await this.engine(old.backend).remove(old);
      else if (old && old.queue !== record.queue && record.backend === Backend.BULLMQ)
        await this.engine(old.backend).remove(old);
      await this.engine(record.backend).upsert(record);
      await this.d.store.save(record, m);
      return record;
    });
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
