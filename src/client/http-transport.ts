import { codeOfStatus, errorOfGraphql } from './graphql-error';
import type { GraphqlError } from './graphql-error';
import { JobgateError } from './jobgate-error';
import { backoffDelay, retryAfterMs, sleep } from './retry-policy';
import type { RetryPolicy } from './retry-policy';

/**
 * Whether repeating a request is safe. `idempotent`: a request whose outcome is unknown (lost
 * reply, timeout) may be sent again (reads; submissions, which carry idempotency keys).
 * `refusedOnly`: only a request the gateway refused without running it (HTTP 503 or 429, or a
 * connection that was never made) is sent again (signals, retries).
 */
export type Repeat = 'idempotent' | 'refusedOnly';

/** HTTP statuses whose answer means "not done, try later". */
const RETRY_STATUSES = new Set([429, 503]);
/** GraphQL codes of a failure that a later attempt may not meet. */
const RETRY_CODES = new Set(['BACKEND_UNAVAILABLE', 'RATE_LIMITED']);
/** System errors that prove a request never reached the gateway. */
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN']);

/** What fetch's network error says underneath (ECONNREFUSED, UND_ERR_SOCKET, ...). */
const causeOf = (err: unknown): string | undefined => {
  const cause = (err as { cause?: { code?: unknown; errors?: { code?: unknown }[] } }).cause;
  const code = cause?.code ?? cause?.errors?.[0]?.code;
  return typeof code === 'string' ? code : undefined;
};

/** A failed attempt: the error to report, and whether another attempt may be made. */
interface Failure {
  error: JobgateError;
  retry: boolean;
  /** The gateway's Retry-After, ms. */
  afterMs?: number;
}

/** GraphQL over HTTP POST to one gateway, with retries. */
export class HttpTransport {
  private closed = false;

  constructor(
    private readonly url: string,
    private readonly apiKey: string,
    private readonly policy: RetryPolicy,
    private readonly timeoutMs: number,
    private readonly fetchImpl: typeof fetch,
  ) {}

  /** Runs one operation; a GraphQL error fails it as a whole. */
  async request<T>(query: string, variables: Record<string, unknown>, repeat: Repeat): Promise<T> {
    for (let retry = 0; ; retry++) {
      if (this.closed) throw new JobgateError('the client is closed', 'CLOSED');
      const outcome = await this.attempt<T>(query, variables, repeat);
      if ('data' in outcome) return outcome.data;
      if (!outcome.retry || retry >= this.policy.maxRetries) throw outcome.error;
      await sleep(outcome.afterMs ?? backoffDelay(this.policy, retry));
    }
  }

  /** Stops further retries; requests under way finish. */
  close(): void {
    this.closed = true;
  }

  private async attempt<T>(
    query: string,
    variables: Record<string, unknown>,
    repeat: Repeat,
  ): Promise<{ data: T } | Failure> {
    let res: Response;
    let text: string;
    try {
      res = await this.fetchImpl(this.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json',
          authorization: `Bearer ${this.apiKey}`,
        },
        body: JSON.stringify({ query, variables }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      text = await res.text();
    } catch (err) {
      const name = (err as Error).name;
      if (name === 'TimeoutError' || name === 'AbortError') {
        return {
          error: new JobgateError(
            `the gateway at ${this.url} did not answer within ${this.timeoutMs} ms`,
            'TIMEOUT',
            undefined,
            undefined,
            { cause: err },
          ),
          retry: repeat === 'idempotent',
        };
      }
      const cause = causeOf(err);
      return {
        error: new JobgateError(
          `cannot reach the gateway at ${this.url}${cause ? ` (${cause})` : ''}: ${(err as Error).message}`,
          'NETWORK',
          undefined,
          undefined,
          { cause: err },
        ),
        retry: repeat === 'idempotent' || (cause !== undefined && NOT_SENT.has(cause)),
      };
    }
    const refused = RETRY_STATUSES.has(res.status);
    const afterMs = refused ? retryAfterMs(res.headers.get('retry-after')) : undefined;
    let body: { data?: T | null; errors?: GraphqlError[] } | undefined;
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      body = undefined;
    }
    if (body?.errors?.length) {
      const error = errorOfGraphql(body.errors, res.status);
      const retry = refused || (repeat === 'idempotent' && RETRY_CODES.has(error.code));
      return { error, retry, afterMs };
    }
    if (!body?.data) {
      return {
        error: new JobgateError(
          `${this.url} answered HTTP ${res.status} without a GraphQL body`,
          refused ? codeOfStatus(res.status) : 'NETWORK',
          undefined,
          res.status,
        ),
        retry: refused || (repeat === 'idempotent' && res.status >= 500),
        afterMs,
      };
    }
    return { data: body.data };
  }
}
