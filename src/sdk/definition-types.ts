import type { JsonSchema } from '../model/job-type';
import type { JobScheduleOptions } from './schedule-options';
import type { FlowControl } from '../model/flow-control';

/** The brand every definition carries, shared across copies of the package. */
export const DEFINITION = Symbol.for('jobgate.definition');

/** Anything with zod's `safeParse` (zod 3 or 4): its inferred type types `run`'s input. */
export interface ZodLike<T = unknown> {
  safeParse(value: unknown): { success: boolean; data?: T; error?: unknown };
  /** zod 3 and zod 4 both carry the output type here. */
  _output?: T;
}

/** A schema as definitions take it: a zod schema or a JSON Schema object. */
export type SchemaLike = ZodLike | JsonSchema;

/**
 * The input type a schema describes: zod's output type (zod 4 keeps it in `_zod.output`,
 * zod 3 in `_output`), or `unknown` for JSON Schema.
 */
export type InferInput<S> = S extends { _zod: { output: infer T } }
  ? T
  : S extends { _output: infer T }
    ? T
    : unknown;

/** One finished child as a parent sees it (flows). */
export interface ChildOutcome {
  id: string;
  type: string;
  /** SUCCEEDED, FAILED or CANCELLED. */
  status: string;
  /** The child's result; null unless it succeeded. */
  result: unknown;
  /** Why it failed or was cancelled; absent when it succeeded. */
  error?: string | null;
}

/** What `run` gets besides its input; the same on both lanes. */
export interface JobContext {
  jobId: string;
  /** 1 on the first run, 2 on the first retry, ... */
  attempt: number;
  /** Aborted on cancellation or when the attempt passes `timeoutMs`. */
  signal: AbortSignal;
  /** Reports progress, 0 to 100. */
  progress(percent: number): Promise<void>;
  /** Appends a line to the job's log (readable while the job runs). */
  log(line: string): Promise<void>;
  /** The outcomes of this job's children (flows); empty for a job without children. */
  children(): Promise<ChildOutcome[]>;
}

/** Options of {@link defineJob}. */
export interface JobOptions<S extends SchemaLike | undefined = undefined, O = unknown> {
  /** 1-100 of [A-Za-z0-9_.:-], starting with a letter. */
  name: string;
  description?: string;
  /** zod schema or JSON Schema of the input. @defaultValue any JSON */
  input?: S;
  /** @defaultValue 'default' */
  queue?: string;
  /** What AUTO routing picks without hints. @defaultValue 'BULLMQ' */
  lane?: 'BULLMQ' | 'TEMPORAL';
  /** @defaultValue 3 */
  maxAttempts?: number;
  /** Base of exponential backoff with jitter, ms. @defaultValue 1000 */
  backoffMs?: number;
  /** One attempt's limit on both lanes, ms. @defaultValue 30000 */
  timeoutMs?: number;
  /** Input paths VIEWERs see masked: a field (`ssn`), a nested one (`card.number`) or one in each element of an array (`items[].secret`); fixed on each job when it is submitted. */
  sensitive?: string[];
  /** Schedules of this type, upserted by a worker when it registers the type. */
  schedules?: JobScheduleOptions<InferInput<S>>[];
  /** At most `limit` attempts of one key at once, across every worker (`key`: a path into the input, `input.accountId`). */
  concurrency?: FlowControl['concurrency'];
  /** At most `max` starts of one key per `perMs`, across every worker. */
  rateLimit?: FlowControl['rateLimit'];
  /** A job waits `ms`; a later submission of its key meanwhile replaces it (the earlier ends CANCELLED) and waits again. */
  debounce?: FlowControl['debounce'];
  /** A submission whose key matches a job accepted within `ttlMs` (without it: one not finished) returns that job. */
  deduplicate?: FlowControl['deduplicate'];
  run(input: InferInput<S>, ctx: JobContext): Promise<O>;
}

/** A job type whose code is a processor: runs on either lane. */
export interface JobDefinition<I = unknown, O = unknown> {
  readonly [DEFINITION]: 'job';
  readonly name: string;
  readonly options: JobOptions<SchemaLike | undefined, O>;
  /** Phantom: the input type, for the typed client. */
  readonly __input?: I;
  readonly __output?: O;
}

/** Options of {@link defineQueue}. */
export interface QueueOptions {
  name: string;
  /** Attempts at once per worker process. @defaultValue WORKER_CONCURRENCY */
  concurrency?: number;
  /** Attempts at once across all workers (BullMQ global concurrency). */
  globalConcurrency?: number;
  /** Starts per window, across all workers. */
  rateLimit?: { max: number; durationMs: number };
}

export interface QueueDefinition extends QueueOptions {
  readonly [DEFINITION]: 'queue';
}

/** Options of {@link defineWorkflow}. */
export interface WorkflowOptions<S extends SchemaLike | undefined = undefined> {
  name: string;
  description?: string;
  input?: S;
  /** @defaultValue 'default' */
  queue?: string;
  /** @defaultValue 1 */
  maxAttempts?: number;
  /** The whole workflow's limit, ms. @defaultValue 30 days */
  timeoutMs?: number;
  /** Absolute path of the module that exports the workflow. */
  workflowsPath: string;
  /** The export, a JS identifier; called with (input). */
  workflowName: string;
  /** Signal name -> payload schema. */
  signals?: Record<string, SchemaLike>;
  queries?: string[];
  /** Activities the workflow calls through proxyActivities. */
  activities?: Record<string, (...args: never[]) => Promise<unknown>>;
  /** Input paths VIEWERs see masked: a field (`ssn`), a nested one (`card.number`) or one in each element of an array (`items[].secret`); fixed on each job when it is submitted. */
  sensitive?: string[];
  /** Schedules that start this workflow (Temporal Schedules), as defineJob's `schedules`. */
  schedules?: JobScheduleOptions<InferInput<S>>[];
  /** At most `limit` attempts of one key at once, across every worker (`key`: a path into the input, `input.accountId`). */
  concurrency?: FlowControl['concurrency'];
  /** At most `max` starts of one key per `perMs`, across every worker. */
  rateLimit?: FlowControl['rateLimit'];
  /** A job waits `ms`; a later submission of its key meanwhile replaces it (the earlier ends CANCELLED) and waits again. */
  debounce?: FlowControl['debounce'];
  /** A submission whose key matches a job accepted within `ttlMs` (without it: one not finished) returns that job. */
  deduplicate?: FlowControl['deduplicate'];
}

/** A TEMPORAL-only type whose code is a Temporal workflow. */
export interface WorkflowDefinition<I = unknown> {
  readonly [DEFINITION]: 'workflow';
  readonly name: string;
  readonly options: WorkflowOptions<SchemaLike | undefined>;
  readonly __input?: I;
}

// Any input and output: a list of definitions mixes types.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Definition = JobDefinition<any, any> | QueueDefinition | WorkflowDefinition<any>;
