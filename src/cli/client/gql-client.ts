import { createClient } from 'graphql-ws';
import type { Client } from 'graphql-ws';
import WebSocket from 'ws';
import { CliError } from './cli-error';

/** One error of a GraphQL answer, as the gateway formats it. */
export interface GraphqlError {
  message: string;
  path?: readonly (string | number)[];
  extensions?: { code?: unknown; [k: string]: unknown };
}

/** Why a live connection ended, and whether connecting again may help. */
export interface SocketFailure {
  error: CliError;
  retryable: boolean;
}

export interface LiveSink<T> {
  next(data: T): void;
  error(failure: SocketFailure): void;
  /** The gateway ended the subscription. */
  complete(): void;
}

/** How long an HTTP request may take. @defaultValue 30000 */
const REQUEST_TIMEOUT_MS = 30_000;
/** A ping every this often checks that a quiet connection is still alive. @defaultValue 15000 */
const PING_EVERY_MS = 15_000;
/** A connection whose pong takes longer than this is dropped (and may be retried). @defaultValue 10000 */
const PONG_WITHIN_MS = 10_000;

const refusedKey = (): CliError =>
  new CliError('the API key was refused: check --key or JOBGATE_KEY');

export const unreachable = (url: string, detail?: string): CliError =>
  new CliError(
    `cannot reach the gateway at ${url}: is \`npm start\` running? set --url or JOBGATE_URL${detail ? ` (${detail})` : ''}`,
  );

/** One message for a list of GraphQL errors: each message with its code. */
export function errorOfGraphql(errors: readonly GraphqlError[]): CliError {
  if (errors.some((e) => e.extensions?.code === 'UNAUTHENTICATED')) return refusedKey();
  const lines = errors.map(
    (e) =>
      `${e.message} (${typeof e.extensions?.code === 'string' ? e.extensions.code : 'no code'})`,
  );
  return new CliError(lines.join('\n       '));
}

/** What fetch's network error says underneath: ECONNREFUSED, ENOTFOUND, 'bad port'. */
const causeOf = (err: unknown): string | undefined => {
  const cause = (
    err as { cause?: { code?: unknown; message?: unknown; errors?: { code?: unknown }[] } }
  ).cause;
  const code = cause?.code ?? cause?.errors?.[0]?.code ?? cause?.message;
  return typeof code === 'string' && code ? code : undefined;
};

/** A GraphQL client of one gateway: queries and mutations over HTTP, subscriptions over graphql-ws. */
export class GatewayClient {
  constructor(
    readonly url: string,
    private readonly key: string,
  ) {}

  /** Runs one operation; any GraphQL error fails it as a whole. */
  async request<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
    let res: Response;
    try {
      res = await fetch(this.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json',
          authorization: `Bearer ${this.key}`,
        },
        body: JSON.stringify({ query, variables }),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (err) {
      if ((err as Error).name === 'TimeoutError') {
        throw new CliError(
          `the gateway at ${this.url} did not answer within ${REQUEST_TIMEOUT_MS / 1000} s: check its logs, or --url`,
        );
      }
      throw unreachable(this.url, causeOf(err));
    }
    const text = await res.text();
    let body: { data?: T | null; errors?: GraphqlError[] };
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      throw new CliError(
        `${this.url} answered HTTP ${res.status} without a GraphQL body: check --url (the gateway's endpoint ends in /graphql)`,
      );
    }
    if (body.errors?.length) throw errorOfGraphql(body.errors);
    if (!body.data)
      throw new CliError(
        `${this.url} answered HTTP ${res.status} without data or errors: check --url`,
      );
    return body.data;
  }

  /** A WebSocket connection, opened on the first subscription; `retryAttempts` reconnections re-subscribe as they were. */
  socket(retryAttempts: number, onConnected?: () => void): LiveSocket {
    return new LiveSocket(
      this.url.replace(/^http/, 'ws'),
      this.url,
      this.key,
      retryAttempts,
      onConnected,
    );
  }
}

/** A graphql-ws connection to the gateway whose failures come out as CliErrors. */
export class LiveSocket {
  private readonly client: Client;
  private everConnected = false;
  private pongTimer?: NodeJS.Timeout;

  constructor(
    wsUrl: string,
    private readonly httpUrl: string,
    key: string,
    retryAttempts: number,
    /** Called after each successful connection (the first, and any after a drop). */
    onConnected?: () => void,
  ) {
    this.client = createClient({
      url: wsUrl,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${key}` },
      lazy: true,
      retryAttempts,
      shouldRetry: () => true,
      keepAlive: PING_EVERY_MS,
      on: {
        connected: () => {
          this.everConnected = true;
          onConnected?.();
        },
        // A half-open connection never closes by itself: drop it when a ping goes unanswered.
        ping: (received) => {
          if (!received) this.pongTimer = setTimeout(() => this.client.terminate(), PONG_WITHIN_MS);
        },
        pong: (received) => {
          if (received) clearTimeout(this.pongTimer);
        },
        closed: () => clearTimeout(this.pongTimer),
      },
    });
  }

  /** Starts one subscription; returns the function that ends it. */
  subscribe<T>(query: string, variables: Record<string, unknown>, sink: LiveSink<T>): () => void {
    return this.client.subscribe<T>(
      { query, variables },
      {
        next: (value) => {
          if (value.errors?.length)
            sink.error({ error: errorOfGraphql(value.errors as GraphqlError[]), retryable: false });
          else if (value.data) sink.next(value.data as T);
        },
        error: (err) => sink.error(this.failureOf(err)),
        complete: () => sink.complete(),
      },
    );
  }

  private failureOf(err: unknown): SocketFailure {
    if (Array.isArray(err))
      return { error: errorOfGraphql(err as GraphqlError[]), retryable: false };
    const close = err as { code?: unknown; reason?: unknown };
    if (typeof close.code === 'number') {
      const reason = typeof close.reason === 'string' && close.reason ? `: ${close.reason}` : '';
      if (close.code === 4401) return { error: refusedKey(), retryable: false };
      if (close.code === 4403)
        return {
          error: new CliError(`the gateway refused the connection${reason} (FORBIDDEN)`),
          retryable: false,
        };
      if (close.code >= 4400 && close.code < 4500 && close.code !== 4408 && close.code !== 4499) {
        return {
          error: new CliError(`the gateway closed the connection with ${close.code}${reason}`),
          retryable: false,
        };
      }
      if (!this.everConnected)
        return {
          error: unreachable(this.httpUrl, `WebSocket closed with ${close.code}`),
          retryable: true,
        };
      return {
        error: new CliError(
          `the connection to the gateway at ${this.httpUrl} was lost (${close.code}${reason})`,
        ),
        retryable: true,
      };
    }
    // ws reports a network fault (ECONNREFUSED, ECONNRESET) as an error event wrapping a system error.
    const system =
      (err as { error?: { code?: unknown } }).error?.code ?? (err as { code?: unknown }).code;
    const message =
      err instanceof Error ? err.message : String((err as { message?: unknown }).message ?? err);
    if (typeof system === 'string' && system.startsWith('E')) {
      return {
        error: this.everConnected
          ? new CliError(`the connection to the gateway at ${this.httpUrl} was lost (${system})`)
          : unreachable(this.httpUrl, system),
        retryable: true,
      };
    }
    return {
      error: new CliError(`the connection to the gateway at ${this.httpUrl} failed: ${message}`),
      retryable: false,
    };
  }

  async dispose(): Promise<void> {
    clearTimeout(this.pongTimer);
    await this.client.dispose();
  }
}
