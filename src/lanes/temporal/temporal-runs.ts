import { WorkflowFailedError } from '@temporalio/client';
import type {
  Client,
  WorkflowExecutionDescription,
  WorkflowExecutionStatusName,
} from '@temporalio/client';
import { notFound } from '../../model/app-error';
import type { JobRecord } from '../../model/job-record';
import type { WorkflowInfo } from '../../model/workflow-info';
import { TENANT_ATTRIBUTE } from './contract';
import type { RunOutcome } from '../lane';
import { isNotFound, translateTemporalError } from './temporal-errors';
import { isClosed } from './temporal-status';
import { toWorkflowInfo } from './workflow-info';

/** Temporal's view of a run: its status names are Temporal's own. */
export interface WorkflowOutcome extends RunOutcome {
  /** Temporal's status of the latest run. */
  status: WorkflowExecutionStatusName;
}

/** Describe calls one listing sends to Temporal at a time. */
const DESCRIBE_FAN_OUT = 16;

/** Reads of jobs' workflows: describe answers, whose they are, and how their runs ended. */
export class TemporalRuns {
  /** Describe calls in flight by job id: concurrent callers share one RPC. */
  private readonly describing = new Map<string, Promise<WorkflowExecutionDescription | null>>();

  constructor(private readonly client: Client) {}

  /** The latest run of the workflow `id`, or null when Temporal has none. */
  async byId(id: string): Promise<WorkflowExecutionDescription | null> {
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
  async describeOwned(job: JobRecord): Promise<WorkflowExecutionDescription | null> {
    const d = await this.byId(job.id);
    return d && d.typedSearchAttributes.get(TENANT_ATTRIBUTE) === job.tenant ? d : null;
  }

  /** Like describeOwned, but NOT_FOUND when there is nothing this tenant may control. */
  async owned(job: JobRecord): Promise<WorkflowExecutionDescription> {
    const d = await this.describeOwned(job);
    if (!d) throw notFound('job', job.id);
    return d;
  }

  /** Each job's `Job.workflow`, null where absent or another tenant's. */
  async describe(jobs: readonly JobRecord[]): Promise<Map<string, WorkflowInfo | null>> {
    // At most DESCRIBE_FAN_OUT calls to Temporal at once, however many jobs one request lists.
    const out = new Map<string, WorkflowInfo | null>();
    for (let i = 0; i < jobs.length; i += DESCRIBE_FAN_OUT) {
      const part = jobs.slice(i, i + DESCRIBE_FAN_OUT);
      const found = await Promise.all(part.map((j) => this.describeOwned(j)));
      part.forEach((j, k) => out.set(j.id, found[k] ? toWorkflowInfo(found[k]) : null));
    }
    return out;
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
}
