import { createClient as createWsClient } from 'graphql-ws';
import type { Client } from 'graphql-ws';
import WebSocket from 'ws';
import { JobgateError } from './jobgate-error';

/** A ping every this often checks that a quiet connection is still alive, ms. */
const PING_EVERY_MS = 15_000;
/** A connection whose pong takes longer than this is dropped (and subscriptions resume), ms. */
const PONG_WITHIN_MS = 10_000;

/** Why a subscription ended, and whether subscribing again may help. */
export interface LiveFailure {
  error: JobgateError;
  retryable: boolean;
}

export interface LiveSink<T> {
  next(data: T): void;
  error(failure: LiveFailure): void;
  /** The subscription ended without an error. */
  complete(): void;
}

/**
 * One graphql-ws connection to the gateway, opened on the first subscription and shared by all.
 * A dropped connection fails its subscriptions with a retryable {@link LiveFailure}: they
 * subscribe again themselves, each from its own cursor.
 */
export class LiveSocket {
  private readonly client: Client;
  private pongTimer?: NodeJS.Timeout;

  constructor(httpUrl: string, apiKey: string) {
    this.client = createWsClient({
      url: httpUrl.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${apiKey}` },
      lazy: true,
      // Reconnection is the subscriptions' own: each resumes from its last event id.
      retryAttempts: 0,
      keepAlive: PING_EVERY_MS,
      on: {
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
            const [first] = value.errors;
            sink.error({ error: errorOf(first), retryable: false });
          } else if (value.data) sink.next(value.data as T);
        },
        error: (err) => sink.error(failureOf(err)),
        complete: () => sink.complete(),
      },
    );
  }

  async dispose(): Promise<void> {
    clearTimeout(this.pongTimer);
    await this.client.dispose();
  }
}

const errorOf = (e: { message: string; extensions?: Record<string, unknown> }): JobgateError =>
  new JobgateError(
    e.message,
    typeof e.extensions?.code === 'string' ? e.extensions.code : 'INTERNAL',
    typeof e.extensions?.field === 'string' ? e.extensions.field : undefined,
  );

/** A graphql-ws failure: GraphQL errors, a close event, or a socket error. */
function failureOf(err: unknown): LiveFailure {
  if (Array.isArray(err) && err.length) return { error: errorOf(err[0]), retryable: false };
  const close = err as { code?: unknown; reason?: unknown };
  if (typeof close.code === 'number') {
    const reason = typeof close.reason === 'string' && close.reason ? `: ${close.reason}` : '';
    if (close.code === 4401)
      return {
        error: new JobgateError(`the API key was refused${reason}`, 'UNAUTHENTICATED'),
        retryable: false,
      };
    if (close.code === 4403)
      return {
        error: new JobgateError(`the gateway refused the connection${reason}`, 'FORBIDDEN'),
        retryable: false,
      };
    // 4408 (no ack in time) and 4499 (terminated after a lost pong) may go better next time.
    const fatal =
      close.code >= 4400 && close.code < 4500 && close.code !== 4408 && close.code !== 4499;
    return {
      error: new JobgateError(
        `the WebSocket to the gateway closed with ${close.code}${reason}`,
        fatal ? 'BAD_USER_INPUT' : 'NETWORK',
      ),
      retryable: !fatal,
    };
  }
  const message =
    err instanceof Error ? err.message : String((err as { message?: unknown }).message ?? err);
  return {
    error: new JobgateError(`the WebSocket to the gateway failed: ${message}`, 'NETWORK'),
    retryable: true,
  };
}
