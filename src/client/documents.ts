/**
 * The GraphQL documents that the producer client, the CLI and the dashboard send, with the
 * rows they select. Strings and types only, and no Node import: the dashboard bundles it too.
 */
import type { Backend, Job } from './job';
import type { JobEvent } from './job-event';

export type { Backend, Job, JobStatus } from './job';
export type { JobEvent, JobEventType } from './job-event';

/** Every field of a job: what submissions, reads and control mutations return. */
export const JOB_FIELDS = `id type status progress backend routingReason queue priority attempts maxAttempts
  idempotencyKey input result error createdAt startedAt finishedAt`;

/** The fields of a job in a list: the runs table, `jobs list`. */
export const JOB_ROW_FIELDS =
  'id type status progress backend queue attempts maxAttempts createdAt startedAt finishedAt error';

/** A job in a list. */
export type JobRow = Pick<
  Job,
  | 'id'
  | 'type'
  | 'status'
  | 'progress'
  | 'backend'
  | 'queue'
  | 'attempts'
  | 'maxAttempts'
  | 'createdAt'
  | 'startedAt'
  | 'finishedAt'
  | 'error'
>;

/** A page of a `jobs` connection. */
export interface JobPage<T = JobRow> {
  edges: { cursor: string; node: T }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

/** Jobs matching a JobFilter, newest first, a page at a time. */
export const JOBS = `query Jobs($filter: JobFilter, $first: Int, $after: String) {
  jobs(filter: $filter, first: $first, after: $after) {
    edges { cursor node { ${JOB_ROW_FIELDS} } } pageInfo { hasNextPage endCursor }
  }
}`;

export const JOB = `query Job($id: ID!) { job(id: $id) { ${JOB_FIELDS} } }`;

export const SUBMIT_JOB = `mutation SubmitJob($input: SubmitJobInput!) {
  submitJob(input: $input) { ${JOB_FIELDS} }
}`;

export const SUBMIT_JOBS = `mutation SubmitJobs($inputs: [SubmitJobInput!]!) {
  submitJobs(inputs: $inputs) { ${JOB_FIELDS} }
}`;

export const CANCEL_JOB = `mutation CancelJob($id: ID!, $reason: String) {
  cancelJob(id: $id, reason: $reason) { ${JOB_FIELDS} }
}`;

export const RETRY_JOB = `mutation RetryJob($id: ID!) { retryJob(id: $id) { ${JOB_FIELDS} } }`;

/** Runs every FAILED or CANCELLED job a filter matches again; answers how many. */
export const RETRY_JOBS = `mutation RetryJobs($filter: JobFilter!) { retryJobs(filter: $filter) }`;

export const SIGNAL_JOB = `mutation SignalJob($id: ID!, $signal: String!, $payload: JSON) {
  signalJob(id: $id, signal: $signal, payload: $payload) { ${JOB_FIELDS} }
}`;

export const TERMINATE_JOB = `mutation TerminateJob($id: ID!, $reason: String) {
  terminateJob(id: $id, reason: $reason) { ${JOB_FIELDS} }
}`;

/** A workflow's query handler's answer, as JSON. */
export const WORKFLOW_QUERY = `query WorkflowQuery($id: ID!, $name: String!, $args: JSON) {
  workflowQuery(jobId: $id, name: $name, args: $args)
}`;

/** What Temporal says of a TEMPORAL job's workflow. */
export interface WorkflowInfo {
  workflowId: string;
  workflowType: string;
  runId: string | null;
  temporalStatus: string;
  taskQueue: string;
  historyLength: number | null;
  pendingActivities: {
    activityId: string;
    activityType: string;
    state: string;
    attempt: number;
    lastFailure: string | null;
  }[];
}

export const WORKFLOW_FIELDS = `workflowId workflowType runId temporalStatus taskQueue historyLength
  pendingActivities { activityId activityType state attempt lastFailure }`;

/** The fields of a {@link JobEvent}. */
export const EVENT_FIELDS =
  'id source type jobId jobType queue workflowId activityId attempt progress message meta timestamp';

/** The event bus, or the part a JobEventFilter lets through, from after `$after` on. */
export const JOB_EVENTS = `subscription JobEvents($after: ID, $filter: JobEventFilter) {
  jobEvents(after: $after, filter: $filter) { ${EVENT_FIELDS} }
}`;

/** The shape {@link JOB_EVENTS} delivers. */
export interface JobEventsData {
  jobEvents: JobEvent;
}

/** One line a job logged. */
export interface LogLine {
  id: string;
  at: string;
  attempt: number | null;
  line: string;
}

export const LOG_LINE_FIELDS = 'id at attempt line';

/** A job's status and a page of its log lines, oldest first, after the line `$after`. */
export const JOB_LOGS = `query JobLogs($id: ID!, $first: Int!, $after: ID) {
  job(id: $id) { status createdAt logs(first: $first, after: $after) { ${LOG_LINE_FIELDS} } }
}`;

/** A job type as workers registered it. */
export interface JobTypeRow {
  name: string;
  version: string;
  defaultBackend: Backend;
  queue: string;
  workers: number;
  maxAttempts: number;
  timeoutMs: number;
  workflowOnly: boolean;
  signals: string[];
  queries: string[];
  registeredAt: string;
  description: string;
  inputSchema: Record<string, unknown> | null;
  sensitiveFields: string[];
  /** Per-key flow control; null options are off. */
  flowControl?: {
    concurrency: { key: string; limit: number } | null;
    rateLimit: { key: string; max: number; perMs: number } | null;
    debounce: { key: string; ms: number } | null;
    deduplicate: { key: string; ttlMs: number | null } | null;
  };
}

/** The flow-control options of a job type, as JOB_TYPES selects them. */
export const FLOW_CONTROL_FIELDS = `flowControl { concurrency { key limit } rateLimit { key max perMs }
  debounce { key ms } deduplicate { key ttlMs } }`;

/** The key one flow-control option of a run took from its input. */
export interface FlowKeyRow {
  option: string;
  path: string;
  value: string;
}

export const JOB_TYPES = `query JobTypes { jobTypes { name version defaultBackend queue workers maxAttempts
  timeoutMs workflowOnly signals queries registeredAt description inputSchema sensitiveFields
  ${FLOW_CONTROL_FIELDS} } }`;

/** A queue of either lane with its counts. */
export interface QueueRow {
  name: string;
  backend: Backend;
  paused: boolean;
  waiting: number;
  active: number;
  delayed: number;
  completed: number;
  failed: number;
}

export const QUEUE_FIELDS = 'name backend paused waiting active delayed completed failed';
export const QUEUES = `query Queues { queues { ${QUEUE_FIELDS} } }`;
export const PAUSE_QUEUE = `mutation PauseQueue($name: String!) { pauseQueue(name: $name) { ${QUEUE_FIELDS} } }`;
export const RESUME_QUEUE = `mutation ResumeQueue($name: String!) { resumeQueue(name: $name) { ${QUEUE_FIELDS} } }`;

/** A worker process, from its heartbeats. */
export interface WorkerRow {
  id: string;
  host: string;
  pid: number;
  lanes: Backend[];
  queues: string[];
  jobTypes: string[];
  outdatedJobTypes: string[];
  concurrency: number;
  activeJobs: number;
  startedAt: string;
  lastHeartbeatAt: string;
  status: string;
}

export const WORKERS = `query Workers { workers { id host pid lanes queues jobTypes outdatedJobTypes
  concurrency activeJobs startedAt lastHeartbeatAt status } }`;

/** A recurring job on either lane. */
export interface ScheduleRow {
  id: string;
  type: string;
  backend: Backend;
  cron: string | null;
  everyMs: number | null;
  timezone: string;
  overlap: string;
  paused: boolean;
  note: string | null;
  /** The next three. */
  nextRunTimes: string[];
}

export const SCHEDULE_FIELDS =
  'id type backend cron everyMs timezone overlap paused note nextRunTimes(count: 3)';
export const SCHEDULES = `query Schedules { schedules { ${SCHEDULE_FIELDS} } }`;

/** Creates a schedule, or replaces the one with the input's id. */
export const UPSERT_SCHEDULE = `mutation UpsertSchedule($input: ScheduleInput!) {
  upsertSchedule(input: $input) { ${SCHEDULE_FIELDS} }
}`;

export const PAUSE_SCHEDULE = `mutation PauseSchedule($id: ID!, $note: String) {
  pauseSchedule(id: $id, note: $note) { ${SCHEDULE_FIELDS} }
}`;

export const RESUME_SCHEDULE = `mutation ResumeSchedule($id: ID!) {
  resumeSchedule(id: $id) { ${SCHEDULE_FIELDS} }
}`;

/** Starts one run now; answers the job it started. */
export const TRIGGER_SCHEDULE = `mutation TriggerSchedule($id: ID!) {
  triggerSchedule(id: $id) { id status backend }
}`;

/** Answers false when the schedule was already gone. */
export const DELETE_SCHEDULE = `mutation DeleteSchedule($id: ID!) { deleteSchedule(id: $id) }`;

/** Who an API key is. */
export interface Principal {
  tenant: string;
  role: 'VIEWER' | 'OPERATOR' | 'ADMIN';
  keyId: string | null;
}

export const ME = 'query Me { me { tenant role keyId } }';
