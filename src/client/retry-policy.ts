/** How a request that may be repeated backs off between attempts. */
export interface RetryPolicy {
  /** Retries after the first attempt. */
  maxRetries: number;
  /** The first backoff, ms; doubled on each further retry. */
  baseMs: number;
  /** The cap of one backoff, ms. */
  maxMs: number;
}

/** The longest `Retry-After` the client honours, ms: a longer one is cut to this. */
const MAX_RETRY_AFTER_MS = 60_000;

/** Exponential backoff with full jitter: a random wait in [0, min(max, base·2^retry)], at least 1 ms. */
export function backoffDelay(policy: RetryPolicy, retry: number): number {
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** retry);
  return Math.max(1, Math.round(Math.random() * ceiling));
}

/** A `Retry-After` header (seconds or an HTTP date) in ms, or undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const trimmed = header.trim();
  const seconds = /^\d+(\.\d+)?$/.test(trimmed) ? Number(trimmed) * 1000 : undefined;
  const ms = seconds ?? Date.parse(trimmed) - now;
  if (!Number.isFinite(ms)) return undefined;
  return Math.min(MAX_RETRY_AFTER_MS, Math.max(0, ms));
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
