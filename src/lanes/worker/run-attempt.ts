import { JobCancelledError, NonRetryableError } from '../../model/processor';
import type { InputCheck } from '../../sdk/input-check';
import type { JobContext, JobDefinition } from '../../sdk/definition-types';

/** One attempt of a user's job, as either lane's worker runs it. */
export interface AttemptInput {
  def: JobDefinition;
  check: (input: unknown) => InputCheck;
  input: unknown;
  /** The attempt's limit, ms. */
  timeoutMs: number;
  /** Largest result kept, bytes of JSON. */
  maxResultBytes: number;
  /** Aborted when the job is cancelled. */
  cancel: AbortSignal;
  ctx: Omit<JobContext, 'signal'>;
}

/** Thrown when an attempt passed its time limit; retried like any failure. */
export class AttemptTimeoutError extends Error {
  constructor(ms: number) {
    super(`timed out after ${ms} ms`);
    this.name = 'AttemptTimeoutError';
    Object.setPrototypeOf(this, new.target.prototype);
  }
}

const describe = (v: unknown): string => {
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
};

/** The error an attempt failed with, as an Error with a message a person can read. */
function asError(err: unknown): Error {
  if (err instanceof Error) return err;
  return new Error(`run threw a non-Error value: ${describe(err).slice(0, 500)}`);
}

/** The result as it will be stored: JSON, within the size limit; a NonRetryableError otherwise. */
function checkResult(value: unknown, max: number): unknown {
  if (value === undefined) return null;
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch (err) {
    throw new NonRetryableError(
      `run returned a value that is not JSON (${(err as Error).message}); return plain data`,
    );
  }
  if (json === undefined || typeof value === 'function' || typeof value === 'symbol')
    throw new NonRetryableError(
      `run returned a ${typeof value}, which is not JSON; return plain data`,
    );
  const size = Buffer.byteLength(json);
  if (size > max)
    throw new NonRetryableError(
      `run returned ${size} bytes of JSON; the limit is ${max}: store large results elsewhere and return a reference`,
    );
  return JSON.parse(json) as unknown;
}

/**
 * Runs one attempt: checks the input again (a bad input fails without retry), aborts
 * `ctx.signal` on cancel or timeout, and ends at the timeout even when `run` ignores the
 * signal. Cancellation ends as JobCancelledError, never as a timeout and vice versa.
 */
export async function runAttempt(a: AttemptInput): Promise<unknown> {
  const checked = a.check(a.input);
  if (!checked.ok) throw new NonRetryableError(checked.message);
  const ac = new AbortController();
  const onCancel = (): void => ac.abort(a.cancel.reason);
  if (a.cancel.aborted) throw new JobCancelledError(String(a.cancel.reason ?? 'cancelled'));
  a.cancel.addEventListener('abort', onCancel, { once: true });
  let timer: NodeJS.Timeout | undefined;
  const stop = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const err = new AttemptTimeoutError(a.timeoutMs);
      ac.abort(err);
      reject(err);
    }, a.timeoutMs);
    a.cancel.addEventListener(
      'abort',
      () => reject(new JobCancelledError(String(a.cancel.reason ?? 'cancelled'))),
      { once: true },
    );
  });
  stop.catch(() => undefined);
  try {
    const value = await Promise.race([
      Promise.resolve().then(() =>
        a.def.options.run(checked.value as never, { ...a.ctx, signal: ac.signal }),
      ),
      stop,
    ]);
    return checkResult(value, a.maxResultBytes);
  } catch (err) {
    if (a.cancel.aborted) throw new JobCancelledError(String(a.cancel.reason ?? 'cancelled'));
    if (ac.signal.reason instanceof AttemptTimeoutError) throw ac.signal.reason;
    throw asError(err);
  } finally {
    clearTimeout(timer);
    a.cancel.removeEventListener('abort', onCancel);
  }
}
