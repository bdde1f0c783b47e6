/** Codes of failures that happen before the gateway gives an answer. */
export type TransportErrorCode = 'NETWORK' | 'TIMEOUT' | 'CLOSED';

/**
 * Every failure the client reports: `code` is the gateway's `extensions.code`
 * (BAD_USER_INPUT, NOT_FOUND, ...) or, for the transport, NETWORK, TIMEOUT or
 * CLOSED (the client was closed first).
 */
export class JobgateError extends Error {
  constructor(
    message: string,
    /** The GraphQL `extensions.code`, or a {@link TransportErrorCode}. */
    readonly code: string,
    /** The input field at fault (`extensions.field`), when the gateway names one. */
    readonly field?: string,
    /** The HTTP status of the answer, when there was one. */
    readonly status?: number,
  ) {
    super(message);
    this.name = 'JobgateError';
    Object.setPrototypeOf(this, new.target.prototype);
  }
}
