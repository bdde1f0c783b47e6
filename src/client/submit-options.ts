import type { BackendChoice, Priority } from './job';

/** Per-submission options: the fields of `SubmitJobInput` besides `type` and `input`. */
export interface SubmitOptions {
  /** @defaultValue 'AUTO' */
  backend?: BackendChoice;
  /** @defaultValue 'NORMAL' */
  priority?: Priority;
  /** Start no sooner than this many ms from now. @defaultValue 0 */
  delayMs?: number;
  /** @defaultValue the job type's own maxAttempts */
  maxAttempts?: number;
  /**
   * A key already used in this tenant returns that job instead of a new one.
   * @defaultValue a random UUID per submission, kept across the client's retries
   */
  idempotencyKey?: string;
  /** Routing hint: over 30 s goes to TEMPORAL under AUTO. */
  estimatedDurationSeconds?: number;
  /** Routing hint: more than one step goes to TEMPORAL under AUTO. */
  stepCount?: number;
  /** Routing hint: true goes to TEMPORAL under AUTO. */
  requiresCompensation?: boolean;
}

/** One item of {@link JobgateClient.submitMany}. */
export interface SubmitManyItem extends SubmitOptions {
  /** The job type's name, or its definition. */
  type: string | { readonly name: string };
  input?: unknown;
}

/** What the gateway's `submitJobs` takes for one submission. */
export interface SubmitJobInput extends SubmitOptions {
  type: string;
  input?: unknown;
  idempotencyKey: string;
}
