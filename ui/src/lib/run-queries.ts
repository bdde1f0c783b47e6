import { EVENT_FIELDS, JOB_FIELDS, WORKFLOW_FIELDS } from '../../../src/client/documents';
import type { FlowKeyRow, Job, WorkflowInfo } from '../../../src/client/documents';

/** A run as its detail page shows it. */
export interface Detail extends Job {
  /** With flows. */
  parent?: { id: string; type: string } | null;
  /** With schedules. */
  scheduleId?: string | null;
  /** The keys its type's flow control took from its input. */
  flowKeys?: FlowKeyRow[];
  workflow: WorkflowInfo | null;
}

/** The run's fields; `extra` adds those of the schema's optional parts (flows, schedules). */
export const detailQuery = (extra: string) => `query Run($id: ID!) {
  job(id: $id) { ${JOB_FIELDS} ${extra} workflow { ${WORKFLOW_FIELDS} } }
  jobTypes { name signals signalSchemas queries }
}`;

// Pages of 500: the gateway's cost limit counts each item a page may hold.
export const PAGE = 500;

/** A page of a run's stored events, oldest first, after the event `$after`. */
export const EVENTS = `query RunEvents($id: ID!, $first: Int!, $after: ID) {
  job(id: $id) { events(first: $first, after: $after) { ${EVENT_FIELDS} } }
}`;

/** Every page of a paged list field of the job, oldest first. */
export async function allPages<T extends { id: string }>(
  fetchPage: (after: string | null) => Promise<T[] | null>,
  onPage?: (page: T[]) => void,
): Promise<T[]> {
  const out: T[] = [];
  let after: string | null = null;
  for (;;) {
    const page = await fetchPage(after);
    if (!page) return out;
    out.push(...page);
    onPage?.(page);
    if (page.length < PAGE) return out;
    after = page[page.length - 1].id;
  }
}

/** What the controls need of a job's type: its signals with their schemas, and its queries. */
export interface TypeInfo {
  signals: string[];
  signalSchemas: Record<string, Record<string, unknown>>;
  queries: string[];
}
