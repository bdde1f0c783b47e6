import { createClient as createWsClient } from 'graphql-ws';
import type { Client } from 'graphql-ws';
import WebSocket from 'ws';
import { errorOfGraphql } from './graphql-error';
import type { GraphqlError } from './graphql-error';
import { JobgateError } from './jobgate-error';

/** A ping every this often checks that a quiet connection is still alive, ms. */
const PING_EVERY_MS = 15_000;
/** A connection whose pong takes longer than this is dropped (and subscriptions resume), ms. */
const PONG_WITHIN_MS = 10_000;

/** Why a subscription ended, and whether subscribing again may help. */
export interface LiveFailure {
  error: JobgateError;
  retryable: boolean;
  /** Whether the socket had connected before it failed: if not, the gateway was never reached. */
  connected: boolean;
  /** The WebSocket close code, when the connection closed. */
  closeCode?: number;
  /** The reason that came with the close code; '' when none did. */
  closeReason?: string;
  /** The system error of a socket that failed (ECONNREFUSED, ECONNRESET, ...). */
  systemCode?: string;
}

export interface LiveSink<T> {
  next(data: T): void;
  error(failure: LiveFailure): void;
  /** The subscription ended without an error. */
  complete(): void;
}

/** Options of a {@link LiveSocket}. */
export interface LiveSocketOptions {
  /**
   * Reconnections graphql-ws makes by itself after a drop, each sending the subscriptions again
   * as they were first sent.
   * @defaultValue 0 (the subscriptions resume themselves, each from its own cursor)
   */
  retryAttempts?: number;
  /** Called after each connection the gateway acknowledges: the first, and any after a drop. */
  onConnected?: () => void;
}

/**
 * One graphql-ws connection to the gateway, opened on the first subscription and shared by all.
 * A dropped connection fails its subscriptions with a retryable {@link LiveFailure}: they
 * subscribe again themselves, each from its own cursor.
 */
export class LiveSocket {
  private readonly client: Client;
  private pongTimer?: NodeJS.Timeout;
  private connected = false;

  constructor(httpUrl: string, apiKey: string, options: LiveSocketOptions = {}) {
    this.client = createWsClient({
      url: httpUrl.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${apiKey}` },
      lazy: true,
      retryAttempts: options.retryAttempts ?? 0,
      shouldRetry: () => true,
      keepAlive: PING_EVERY_MS,
      on: {
        connected: () => {
          this.connected = true;
          options.onConnected?.();
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
          if (value.errors?.length) {
            sink.error({
              error: errorOfGraphql(value.errors as GraphqlError[]),
              retryable: false,
              connected: this.connected,
            });
          } else if (value.data) sink.next(value.data as T);
        },
        error: (err) => sink.error({ ...failureOf(err), connected: this.connected }),
        complete: () => sink.complete(),
      },
    );
  }

  async dispose(): Promise<void> {
    clearTimeout(this.pongTimer);
    await this.client.dispose();
  }
}

/** A graphql-ws failure: GraphQL errors, a close event, or a socket error. */
function failureOf(err: unknown): Omit<LiveFailure, 'connected'> {
  if (Array.isArray(err) && err.length)
    return { error: errorOfGraphql(err as GraphqlError[]), retryable: false };
  const close = err as { code?: unknown; reason?: unknown };
  if (typeof close.code === 'number') {
    const closeReason = typeof close.reason === 'string' ? close.reason : '';
    const reason = closeReason ? `: ${closeReason}` : '';
    const closed = { closeCode: close.code, closeReason };
    const details = { cause: err };
    if (close.code === 4401)
      return {
        ...closed,
        error: new JobgateError(
          `the API key was refused${reason}`,
          'UNAUTHENTICATED',
          undefined,
          undefined,
          details,
        ),
        retryable: false,
      };
    if (close.code === 4403)
      return {
        ...closed,
        error: new JobgateError(
          `the gateway refused the connection${reason}`,
          'FORBIDDEN',
          undefined,
          undefined,
          details,
        ),
        retryable: false,
      };
    // 4408 (no ack in time) and 4499 (terminated after a lost pong) may go better next time.
    const fatal =
      close.code >= 4400 && close.code < 4500 && close.code !== 4408 && close.code !== 4499;
    return {
      ...closed,
      error: new JobgateError(
        `the WebSocket to the gateway closed with ${close.code}${reason}`,
        fatal ? 'BAD_USER_INPUT' : 'NETWORK',
        undefined,
        undefined,
        details,
      ),
      retryable: !fatal,
    };
  }
  // ws reports a network fault (ECONNREFUSED, ECONNRESET) as an error event wrapping a system error.
  const system =
    (err as { error?: { code?: unknown } }).error?.code ?? (err as { code?: unknown }).code;
  const message =
    err instanceof Error ? err.message : String((err as { message?: unknown }).message ?? err);
  return {
    error: new JobgateError(
      `the WebSocket to the gateway failed: ${message}`,
      'NETWORK',
      undefined,
      undefined,
      { cause: err },
    ),
    retryable: true,
    systemCode: typeof system === 'string' ? system : undefined,
  };
}
