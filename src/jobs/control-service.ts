import { requireRole, tenantScope } from '../auth/principal';
import type { Principal } from '../auth/principal';
import { validateSignalPayload } from '../registry/input-validator';
import { AppError, badInput, conflict } from '../model/app-error';
import { ErrorCode } from '../model/error-code';
import { FINAL_STATUSES, JobStatus, Role } from '../model/enums';
import type { JobRecord } from '../model/job-record';
import type { JobTypeCatalog } from '../model/job-type';
import type { JobStore } from '../store/job-store';
import type { WorkflowControl } from '../lanes/lane';
import type { FlowControl } from './flow-control';
import type { Lanes } from './lanes-access';
import { laneOf } from './lanes-access';
import type { JobFilterInput, ReadService } from './read-service';

/** Cancels, terminates, retries, signals and queries jobs on their lanes. Knows no GraphQL. */
export class ControlService {
  constructor(
    private readonly store: JobStore,
    private readonly reads: ReadService,
    private readonly lanes: Lanes,
    private readonly catalog: JobTypeCatalog,
    private readonly flows?: FlowControl,
  ) {}

  async cancel(p: Principal, id: string, reason?: string | null): Promise<JobRecord> {
    requireRole(p, Role.OPERATOR, 'cancelling jobs');
    const job = await this.reads.require(p, id);
    if (FINAL_STATUSES.has(job.status))
      throw conflict(`job ${id} is already ${job.status}; nothing to cancel`);
    const why = reason ?? `cancelled by ${p.keyId ?? 'admin key'}`;
    const status =
      (await this.flows?.cancel(job, why)) ??
      (await laneOf(this.lanes, job.backend).cancel(job, why));
    return { ...job, status };
  }

  async terminate(p: Principal, id: string, reason?: string | null): Promise<JobRecord> {
    requireRole(p, Role.OPERATOR, 'terminating jobs');
    const job = await this.reads.require(p, id);
    const workflows = this.workflowsOf(
      job,
      'terminateJob is for TEMPORAL jobs, use cancelJob',
      'id',
    );
    if (FINAL_STATUSES.has(job.status))
      throw conflict(`job ${id} is already ${job.status}; nothing to terminate`);
    const status = await workflows().terminate(job, reason ?? 'terminated');
    return { ...job, status };
  }

  async retry(p: Principal, id: string): Promise<JobRecord> {
    requireRole(p, Role.OPERATOR, 'retrying jobs');
    const job = await this.reads.require(p, id);
    if (job.status !== JobStatus.FAILED && job.status !== JobStatus.CANCELLED) {
      throw conflict(`job ${id} is ${job.status}; only FAILED or CANCELLED jobs can be retried`);
    }
    if (!(await this.flows?.retry(job))) await laneOf(this.lanes, job.backend).retry(job);
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
    const jobs = await this.store.ids(
      { ...filter, statuses: [JobStatus.FAILED], tenant: tenantScope(p) },
      10_000,
    );
    let n = 0;
    const relaunched = new Set<string>();
    for (const job of jobs) {
      try {
        if (!(await this.flows?.retry(job, relaunched)))
          await laneOf(this.lanes, job.backend).retry(job);
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
    const job = await this.reads.require(p, id);
    const workflows = this.workflowsOf(job, 'only TEMPORAL jobs take signals', 'id');
    const type = this.catalog.find(job.type);
    if (!type?.signals.includes(name)) {
      throw badInput(
        `signal: '${name}' is not a signal of job type '${job.type}'; it accepts: ${type?.signals.join(', ') || 'none'}`,
        'signal',
      );
    }
    validateSignalPayload(type, name, payload);
    if (FINAL_STATUSES.has(job.status))
      throw conflict(`job ${id} is already ${job.status}; it takes no more signals`);
    await workflows().signal(job, name, payload);
    return job;
  }

  /**
   * Runs a query handler the job's type declares. Queries read a workflow's live state, which
   * no mask covers, so they need OPERATOR like signals; Temporal's built-in queries (`__stack_trace`
   * returns workflow source) and any name the type does not declare are refused.
   */
  async query(p: Principal, id: string, name: string, args: unknown): Promise<unknown> {
    requireRole(p, Role.OPERATOR, 'querying workflows');
    const job = await this.reads.require(p, id);
    const workflows = this.workflowsOf(job, 'workflowQuery is for TEMPORAL jobs', 'jobId');
    const declared = this.catalog.find(job.type)?.queries ?? [];
    if (name.startsWith('__') || !declared.includes(name)) {
      const why = name.startsWith('__')
        ? `'${name.slice(0, 100)}' is a built-in Temporal query, which workflowQuery never runs`
        : `'${name.slice(0, 100)}' is not a query of job type '${job.type}'`;
      throw badInput(`name: ${why}; it answers: ${declared.join(', ') || 'none'}`, 'name');
    }
    return workflows().query(job, name, args);
  }

  /**
   * The workflow control of the job's lane, to call once the request is checked: a lane that
   * has none is BAD_USER_INPUT (saying `instead`) at once; a lane this gateway lacks is
   * BACKEND_UNAVAILABLE only at the call, after the checks a person can act on.
   */
  private workflowsOf(job: JobRecord, instead: string, field: string): () => WorkflowControl {
    const refuse = () => badInput(`job ${job.id} runs on ${job.backend}; ${instead}`, field);
    const here = this.lanes[job.backend];
    if (here && !here.workflows) throw refuse();
    return () => {
      const workflows = laneOf(this.lanes, job.backend).workflows;
      if (!workflows) throw refuse();
      return workflows;
    };
  }
}
