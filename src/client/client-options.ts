/** Options of {@link createClient}. */
export interface ClientOptions {
  /** The gateway's GraphQL endpoint, e.g. `http://localhost:4000/graphql`; WebSockets use the same path. */
  url: string;
  /** An API key of role OPERATOR (or ADMIN) to submit; VIEWER is enough to read and wait. */
  apiKey: string;
  /**
   * The most submissions one `submitJobs` request carries; concurrent `submit` calls beyond
   * it go out as several requests.
   * @defaultValue 50
   */
  batchSize?: number;
  /**
   * Retries of one request after a network error, a timeout, HTTP 503 or 429, with exponential
   * backoff and jitter (or the gateway's `Retry-After`).
   * @defaultValue 8
   */
  maxRetries?: number;
  /**
   * The first backoff before a retry, ms; each further retry doubles it (with full jitter)
   * up to {@link ClientOptions.maxBackoffMs}.
   * @defaultValue 200
   */
  backoffMs?: number;
  /** The longest wait before a retry, ms. @defaultValue 10000 */
  maxBackoffMs?: number;
  /** How long one HTTP request may take before it counts as TIMEOUT (and is retried), ms. @defaultValue 30000 */
  requestTimeoutMs?: number;
  /** The fetch to use (a proxy-aware one, or one that counts requests). @defaultValue globalThis.fetch */
  fetch?: typeof fetch;
}
