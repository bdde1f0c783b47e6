/** Codes of failures that happen before the gateway gives an answer. */
export type TransportErrorCode = 'NETWORK' | 'TIMEOUT' | 'CLOSED';

/** One error of a GraphQL answer, as the gateway gave it. */
export interface GraphqlErrorEntry {
  message: string;
  /** Its `extensions.code`; absent when the error has none (one from a proxy, say). */
  code?: string;
}

/** What a {@link JobgateError} carries besides its message and code. */
export interface JobgateErrorDetails {
  /** The failure underneath: fetch's network error, a WebSocket close event or socket error. */
  cause?: unknown;
  /** Every error of the GraphQL answer, this one's first; empty when there was no answer. */
  errors?: readonly GraphqlErrorEntry[];
}

/**
 * Every failure the client reports: `code` is the gateway's `extensions.code`
 * (BAD_USER_INPUT, NOT_FOUND, ...) or, for the transport, NETWORK, TIMEOUT or
 * CLOSED (the client was closed first).
 */
export class JobgateError extends Error {
  /** Every error of the GraphQL answer, this one's first; empty when there was no answer. */
  readonly errors: readonly GraphqlErrorEntry[];

  constructor(
    message: string,
    /** The GraphQL `extensions.code`, or a {@link TransportErrorCode}. */
    readonly code: string,
    /** The input field at fault (`extensions.field`), when the gateway names one. */
    readonly field?: string,
    /** The HTTP status of the answer, when there was one. */
    readonly status?: number,
    details: JobgateErrorDetails = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'JobgateError';
    this.errors = details.errors ?? [];
    Object.setPrototypeOf(this, new.target.prototype);
  }
}
