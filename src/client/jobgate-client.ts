import type { EventsOptions, JobEvent } from './job-event';
import type { Job } from './job';
import type { SubmitManyItem, SubmitOptions } from './submit-options';

/** Anything with a job type's name: a `defineJob` or `defineWorkflow` definition. */
export interface Named {
  readonly name: string;
}

/** The input type a definition declares (its phantom `__input`), or `unknown`. */
export type InputOf<D> = D extends { readonly __input?: infer I } ? I : unknown;
/** The result type a definition declares (its phantom `__output`), or `unknown`. */
export type OutputOf<D> = D extends { readonly __output?: infer O } ? O : unknown;

/** Options of {@link JobgateClient.wait}. */
export interface WaitOptions {
  /** Give up with a TIMEOUT error after this many ms. @defaultValue no limit */
  timeoutMs?: number;
}

/** What {@link createClient} returns. */
export interface JobgateClient {
  /**
   * Submits one job: typed from a definition (a wrong input is a compile error), or by type
   * name with any input. Calls in the same tick share one `submitJobs` request.
   */
  submit<D extends Named | string>(
    definitionOrType: D,
    input: D extends string ? unknown : InputOf<D>,
    options?: SubmitOptions,
  ): Promise<Job<D extends string ? unknown : OutputOf<D>>>;
  /**
   * Submits several jobs; resolves with them in order. Each is its own submission: when one
   * fails, the call rejects with the first failure (its `field` names `inputs[i]`) and the
   * others are still submitted.
   */
  submitMany(items: SubmitManyItem[]): Promise<Job[]>;
  /** The job, or null when there is none with this id in the key's tenant. */
  get(id: string): Promise<Job | null>;
  /**
   * Resolves with the job once it is SUCCEEDED, FAILED or CANCELLED. Given the job that
   * `submit` returned (not only its id), the result keeps the definition's type.
   */
  wait<O = unknown>(job: string | Job<O>, options?: WaitOptions): Promise<Job<O>>;
  /** The event bus (or one job's events) as an async iterator that resumes after reconnects. */
  events(options?: EventsOptions): AsyncIterableIterator<JobEvent>;
  cancel(id: string, reason?: string): Promise<Job>;
  /** Runs a FAILED or CANCELLED job again. */
  retry(id: string): Promise<Job>;
  /** Sends a signal (with its payload) to a TEMPORAL job. */
  signal(id: string, name: string, payload?: unknown): Promise<Job>;
  /** Lets submissions under way finish, then closes sockets, ends event streams and rejects pending waits. */
  close(): Promise<void>;
}
