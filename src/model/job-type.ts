import type { Backend } from './enums';
import type { FlowControl } from './flow-control';

/** A JSON Schema object, as accepted by ajv. */
export type JsonSchema = Record<string, unknown>;

/**
 * One registered job type, as the registry keeps it and every gateway reads it: the single
 * place for its name, lane, queue, schema and policies. Workers register it from the user's
 * `defineJob` / `defineWorkflow`; gateways never see the code behind it.
 */
export interface JobTypeDefinition {
  name: string;
  /** @defaultValue '' */
  description: string;
  /** Backend AUTO routing picks when the submission gives no hint. @defaultValue BULLMQ */
  defaultBackend: Backend;
  /** BullMQ queue name and Temporal task queue suffix. @defaultValue 'default' */
  queue: string;
  /** JSON Schema of the input. @defaultValue {} (any JSON) */
  inputSchema: JsonSchema;
  /** @defaultValue 3 */
  maxAttempts: number;
  /** Base delay of exponential backoff between attempts, ms (jitter added). @defaultValue 1000 */
  backoffMs: number;
  /** Longest one attempt may run, ms, on both lanes. @defaultValue 30000 */
  timeoutMs: number;
  /** Signals a TEMPORAL job of this type accepts: the keys of `signalSchemas`. */
  signals: string[];
  /** JSON Schema of each signal's payload, by signal name. @defaultValue {} */
  signalSchemas: Record<string, JsonSchema>;
  /** Temporal query names this type answers. */
  queries: string[];
  /**
   * Set for types whose code is a Temporal workflow (`defineWorkflow`): they have no
   * processor and cannot run on BULLMQ.
   */
  workflowOnly: boolean;
  /** The workflow function a workflowOnly type starts (Temporal workflow type); null otherwise. */
  workflowName: string | null;
  /** Input paths VIEWERs see masked: a field (`ssn`), a nested one (`card.number`) or one in each element of an array (`items[].secret`); fixed on each job when it is submitted. */
  sensitiveFields: string[];
  /** Per-key concurrency, rate limit, debounce and deduplication. @defaultValue {} */
  flowControl: FlowControl;
  /** Hash of everything above: changes when a worker registers a different definition. */
  version: string;
  /** When this version was first registered. */
  registeredAt: Date;
  /**
   * Why the gateway refuses this version's schemas (too big, too deep, a pattern RE2 cannot
   * run, one ajv cannot compile); submissions of the type are refused with it. Unset when
   * they are fine.
   */
  schemaProblem?: string;
}

/** What a worker sends to register a type: the definition without the registry's own fields. */
export type JobTypeRegistration = Omit<
  JobTypeDefinition,
  'version' | 'registeredAt' | 'schemaProblem' | 'flowControl'
> & {
  /** @defaultValue {} (an SDK from before flow control sends none) */
  flowControl?: FlowControl;
};

/** The job types known to a process, as the submit path reads them: cached, synchronous. */
export interface JobTypeCatalog {
  /** The type named `name`, or undefined. */
  find(name: string): JobTypeDefinition | undefined;
  /** Every type, sorted by name. */
  all(): JobTypeDefinition[];
  /** Every BullMQ queue some processor type uses. */
  queues(): string[];
  /** Every queue of any type: each is a Temporal task queue. */
  taskQueues(): string[];
  /** Reloads the cache from the store. */
  refresh(): Promise<void>;
  /** The type named `name`; when not cached, after one reload (it may be a moment old). */
  ensure(name: string): Promise<JobTypeDefinition | undefined>;
}
