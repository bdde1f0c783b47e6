import { EVENT_FIELDS } from './live-events';

/** A run as its detail page shows it. */
export interface Detail {
  id: string;
  type: string;
  status: string;
  backend: string;
  queue: string;
  priority: string;
  progress: number;
  attempts: number;
  maxAttempts: number;
  routingReason: string;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  input: unknown;
  result: unknown;
  error: string | null;
  /** With flows. */
  parent?: { id: string; type: string } | null;
  /** With schedules. */
  scheduleId?: string | null;
  workflow: {
    workflowId: string;
    runId: string | null;
    workflowType: string;
    taskQueue: string;
    temporalStatus: string;
    historyLength: number | null;
    pendingActivities: {
      activityId: string;
      activityType: string;
      attempt: number;
      state: string;
      lastFailure: string | null;
    }[];
  } | null;
}

/** One line of a run's log. */
export interface LogLine {
  id: string;
  at: string;
  attempt: number | null;
  line: string;
}

/** The run's fields; `extra` adds those of the schema's optional parts (flows, schedules). */
export const detailQuery = (extra: string) => `query Run($id: ID!) {
  job(id: $id) {
    id type status backend queue priority progress attempts maxAttempts routingReason
    createdAt startedAt finishedAt input result error ${extra}
    workflow { workflowId runId workflowType taskQueue temporalStatus historyLength
      pendingActivities { activityId activityType attempt state lastFailure } }
  }
  jobTypes { name signals signalSchemas queries }
}`;

// Pages of 500: the gateway's cost limit counts each item a page may hold.
export const PAGE = 500;

export const EVENTS = `query RunEvents($id: ID!, $after: ID) {
  job(id: $id) { events(first: ${PAGE}, after: $after) { ${EVENT_FIELDS} } }
}`;

export const LOGS = `query RunLogs($id: ID!, $after: ID) {
  job(id: $id) { logs(first: ${PAGE}, after: $after) { id at attempt line } }
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
