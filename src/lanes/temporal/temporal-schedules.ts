import { ScheduleAlreadyRunning, ScheduleNotFoundError } from '@temporalio/client';
import type {
  ScheduleClient,
  ScheduleOptionsStartWorkflowAction,
  ScheduleSpec,
  ScheduleUpdateOptions,
  Workflow,
} from '@temporalio/client';
import { badInput, unavailable } from '../../model/app-error';
import { Backend, Priority } from '../../model/enums';
import type { JobTypeCatalog } from '../../model/job-type';
import type { ScheduleRecord } from '../../model/schedule';
import { cronFields } from '../../model/schedule-times';
import {
  JOB_MEMO,
  JOB_TYPE_ATTRIBUTE,
  PROCESSOR_WORKFLOW,
  taskQueueName,
  TENANT_ATTRIBUTE,
} from './contract';
import type { JobMemo, WorkflowJob } from './contract';
import type { ScheduleEngine, TriggeredRun } from '../schedule-engine';
import { temporalPriority } from './temporal-priority';

/**
 * Temporal reads a 6-field cron as minute..year; jobgate's 6 fields have seconds first, which
 * Temporal takes in its 7-field form (second..year).
 */
export const temporalCron = (cron: string): string =>
  cronFields(cron) === 6 ? `${cron.trim()} *` : cron.trim();

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Schedules on the durable lane: one Temporal Schedule per schedule. Temporal keeps time,
 * applies the overlap policy, pauses with a note and triggers; each action starts jobgate's
 * processor workflow, or the user's workflow of a defineWorkflow type, with the id
 * `<prefix>-<schedule>-<due time>` (Temporal appends the time). The processor workflow, or the
 * workflow interceptor for a user's workflow, turns that into its job's row (see ScheduledRuns).
 */
export class TemporalSchedules implements ScheduleEngine {
  readonly backend = Backend.TEMPORAL;

  constructor(
    private readonly client: ScheduleClient,
    private readonly prefix: string,
    private readonly catalog: JobTypeCatalog,
  ) {}

  /** Temporal ids live in a namespace several deployments may share. */
  engineId = (s: { id: string }): string => `${this.prefix}-${s.id}`;

  private spec(s: ScheduleRecord): ScheduleSpec {
    return {
      ...(s.cron ? { cronExpressions: [temporalCron(s.cron)] } : {}),
      ...(s.everyMs ? { intervals: [{ every: s.everyMs }] } : {}),
      timezone: s.timezone,
      ...(s.startAt ? { startAt: s.startAt } : {}),
      ...(s.endAt ? { endAt: s.endAt } : {}),
    };
  }

  private action(s: ScheduleRecord): ScheduleOptionsStartWorkflowAction<Workflow> {
    const def = this.catalog.find(s.type);
    const common = {
      type: 'startWorkflow' as const,
      workflowId: this.engineId(s),
      taskQueue: taskQueueName(this.prefix, s.queue),
      typedSearchAttributes: [
        { key: TENANT_ATTRIBUTE, value: s.tenant },
        { key: JOB_TYPE_ATTRIBUTE, value: s.type },
      ],
      retry: { maximumAttempts: 1 },
      ...(s.priority !== Priority.NORMAL
        ? { priority: { priorityKey: temporalPriority[s.priority] } }
        : {}),
    };
    if (def?.workflowName) {
      // A user's workflow is called with its input alone; the job and its schedule travel in
      // the memo, and jobgate's workflow interceptor writes the run's row before it starts.
      const memo: JobMemo = {
        tenant: s.tenant,
        jobType: s.type,
        queue: s.queue,
        maxAttempts: def.maxAttempts,
        backoffMs: def.backoffMs,
        timeoutMs: def.timeoutMs,
        scheduleId: s.id,
        schedulePriority: s.priority,
      };
      return {
        ...common,
        workflowType: def.workflowName,
        args: [s.input],
        memo: { [JOB_MEMO]: memo },
        workflowExecutionTimeout: def.timeoutMs,
      };
    }
    const arg: WorkflowJob & { scheduleId: string } = {
      // jobId is the workflow's own id; the workflow reads it from workflowInfo.
      job: { jobId: '', tenant: s.tenant, jobType: s.type, queue: s.queue },
      input: s.input,
      tenant: s.tenant,
      jobType: s.type,
      queue: s.queue,
      maxAttempts: def?.maxAttempts ?? 1,
      backoffMs: def?.backoffMs ?? 1000,
      timeoutMs: def?.timeoutMs ?? 30_000,
      scheduleId: s.id,
      schedulePriority: s.priority,
    } as WorkflowJob & { scheduleId: string };
    return { ...common, workflowType: PROCESSOR_WORKFLOW, args: [arg] };
  }

  private options(s: ScheduleRecord): ScheduleUpdateOptions {
    return {
      spec: this.spec(s),
      action: this.action(s),
      policies: { overlap: s.overlap },
      state: { paused: s.paused, ...(s.paused && s.note ? { note: s.note } : {}) },
    };
  }

  private async call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      const message = (err as Error).message ?? String(err);
      // The server checks the spec again; what it refuses is the caller's input.
      if (/invalid|cron|time ?zone/i.test(message) && !/unavailable|deadline/i.test(message))
        throw badInput(`Temporal refused the schedule: ${message}`, 'input');
      throw unavailable(`Temporal did not answer the schedule call: ${message}`);
    }
  }

  async upsert(s: ScheduleRecord): Promise<void> {
    const options = this.options(s);
    await this.call(async () => {
      try {
        await this.client.create({ scheduleId: this.engineId(s), ...options });
      } catch (err) {
        if (!(err instanceof ScheduleAlreadyRunning)) throw err;
        await this.client.getHandle(this.engineId(s)).update(() => options);
      }
    });
  }

  async pause(s: ScheduleRecord, note: string | null): Promise<void> {
    await this.call(() => this.client.getHandle(this.engineId(s)).pause(note ?? undefined));
  }

  async resume(s: ScheduleRecord): Promise<void> {
    await this.call(() => this.client.getHandle(this.engineId(s)).unpause());
  }

  /**
   * `trigger` starts the action under ALLOW_ALL and answers nothing: the run it started is the
   * action that shows up in `recentActions` after it.
   */
  async trigger(s: ScheduleRecord): Promise<TriggeredRun> {
    const h = this.client.getHandle(this.engineId(s));
    const before = new Set(
      (await this.call(() => h.describe())).info.recentActions.map(
        (a) => a.action.workflow.workflowId,
      ),
    );
    await this.call(() => h.trigger('ALLOW_ALL'));
    const until = Date.now() + 10_000;
    for (;;) {
      const actions = (await this.call(() => h.describe())).info.recentActions;
      const fresh = actions
        .filter((a) => !before.has(a.action.workflow.workflowId))
        .sort((a, b) => b.takenAt.getTime() - a.takenAt.getTime());
      if (fresh[0])
        return { jobId: fresh[0].action.workflow.workflowId, dueAt: fresh[0].scheduledAt };
      if (Date.now() > until)
        throw unavailable(`Temporal took the trigger of schedule ${s.id} but started no run`);
      await sleep(100);
    }
  }

  async remove(s: ScheduleRecord): Promise<void> {
    await this.call(async () => {
      try {
        await this.client.getHandle(this.engineId(s)).delete();
      } catch (err) {
        if (!(err instanceof ScheduleNotFoundError)) throw err;
      }
    });
  }

  /** Temporal's own next action times, for checks against jobgate's `nextRunTimes`. */
  async nextActionTimes(s: { id: string }): Promise<Date[]> {
    return (await this.call(() => this.client.getHandle(this.engineId(s)).describe())).info
      .nextActionTimes;
  }
}
