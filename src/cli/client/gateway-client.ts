import { HttpTransport } from '../../client/http-transport';
import { JobgateError } from '../../client/jobgate-error';
import { LiveSocket } from '../../client/live-socket';
import type { RetryPolicy } from '../../client/retry-policy';
import { cliErrorOf, cliFailureOf } from './gateway-errors';
import type { GatewayAddress, SocketFailure } from './gateway-errors';

export type { SocketFailure } from './gateway-errors';

export interface LiveSink<T> {
  next(data: T): void;
  error(failure: SocketFailure): void;
  /** The gateway ended the subscription. */
  complete(): void;
}

/** How long an HTTP request may take, ms. @defaultValue 30000 */
const REQUEST_TIMEOUT_MS = 30_000;
/** A command says what went wrong at once; it is run again by whoever ran it. */
const NO_RETRIES: RetryPolicy = { maxRetries: 0, baseMs: 0, maxMs: 0 };

/** Failures of anything but the client (a bug) go on as they are. */
const cliOrRaw = (err: unknown, gw: GatewayAddress): unknown =>
  err instanceof JobgateError ? cliErrorOf(err, gw) : err;

/**
 * A GraphQL client of one gateway, on the producer client's transports: queries and mutations
 * over HTTP, subscriptions over graphql-ws. Its failures are CliErrors.
 */
export class GatewayClient {
  private readonly http: HttpTransport;
  private readonly address: GatewayAddress;

  constructor(
    readonly url: string,
    private readonly key: string,
  ) {
    this.http = new HttpTransport(url, key, NO_RETRIES, REQUEST_TIMEOUT_MS, globalThis.fetch);
    this.address = { url, timeoutMs: REQUEST_TIMEOUT_MS };
  }

  /** Runs one operation; any GraphQL error fails it as a whole. */
  async request<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
    try {
      return await this.http.request<T>(query, variables, 'idempotent');
    } catch (err) {
      throw cliOrRaw(err, this.address);
    }
  }

  /** A WebSocket connection, opened on the first subscription; `retryAttempts` reconnections re-subscribe as they were. */
  socket(retryAttempts: number, onConnected?: () => void): CliSocket {
    return new CliSocket(
      new LiveSocket(this.url, this.key, { retryAttempts, onConnected }),
      this.address,
    );
  }
}

/** A graphql-ws connection to the gateway whose failures come out as CliErrors. */
export class CliSocket {
  constructor(
    private readonly live: LiveSocket,
    private readonly address: GatewayAddress,
  ) {}

  /** Starts one subscription; returns the function that ends it. */
  subscribe<T>(query: string, variables: Record<string, unknown>, sink: LiveSink<T>): () => void {
    return this.live.subscribe<T>(query, variables, {
      next: (data) => sink.next(data),
      error: (failure) => sink.error(cliFailureOf(failure, this.address)),
      complete: () => sink.complete(),
    });
  }

  dispose(): Promise<void> {
    return this.live.dispose();
  }
}
