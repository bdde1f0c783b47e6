/** What a processor gets besides its input; the same on both lanes. */
export interface ProcessorContext {
  /** Reports progress, 0 to 100. */
  progress(percent: number): Promise<void>;
  /** Appends a line to the job's log. */
  log(line: string): Promise<void>;
  /** Aborted when the job is cancelled; a processor should stop soon after. */
  signal: AbortSignal;
  /** 1 on the first run, 2 on the first retry, ... */
  attempt: number;
}

/** A job type's work: a plain async function, runnable by a BullMQ worker or as a Temporal activity. */
export type Processor<I = unknown, O = unknown> = (input: I, ctx: ProcessorContext) => Promise<O>;

/** Thrown by a processor when retrying cannot help. */
export class NonRetryableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NonRetryableError';
    Object.setPrototypeOf(this, new.target.prototype);
  }
}

/** Thrown by a processor that stopped because its signal was aborted. */
export class JobCancelledError extends Error {
  constructor(reason = 'cancelled') {
    super(reason);
    this.name = 'JobCancelledError';
    Object.setPrototypeOf(this, new.target.prototype);
  }
}
