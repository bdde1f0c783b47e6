import type { JobgateError } from '../../client/jobgate-error';
import type { LiveFailure } from '../../client/live-socket';
import { CliError } from './cli-error';

/** Why a live connection ended, as the CLI says it, and whether connecting again may help. */
export interface SocketFailure {
  error: CliError;
  retryable: boolean;
}

/** The gateway a failure came from, as the messages name it. */
export interface GatewayAddress {
  /** The GraphQL endpoint, as --url (or JOBGATE_URL) gave it. */
  url: string;
  /** How long one HTTP request may take, ms. */
  timeoutMs: number;
}

const refusedKey = (): CliError =>
  new CliError('the API key was refused: check --key or JOBGATE_KEY');

const unreachable = (url: string, detail?: string): CliError =>
  new CliError(
    `cannot reach the gateway at ${url}: is \`npm start\` running? set --url or JOBGATE_URL${detail ? ` (${detail})` : ''}`,
  );

const lost = (url: string, detail: string): CliError =>
  new CliError(`the connection to the gateway at ${url} was lost (${detail})`);

/** What fetch's network error says underneath: ECONNREFUSED, ENOTFOUND, 'bad port'. */
const networkCauseOf = (err: unknown): string | undefined => {
  const cause = (
    err as { cause?: { code?: unknown; message?: unknown; errors?: { code?: unknown }[] } }
  )?.cause;
  const code = cause?.code ?? cause?.errors?.[0]?.code ?? cause?.message;
  return typeof code === 'string' && code ? code : undefined;
};

/** The message of whatever a socket failed with. */
const messageOf = (err: unknown): string =>
  err instanceof Error ? err.message : String((err as { message?: unknown })?.message ?? err);

/**
 * A client failure as the CLI reports it: every GraphQL error with its code, or what to check
 * when the gateway did not answer (or answered something other than GraphQL).
 */
export function cliErrorOf(err: JobgateError, gw: GatewayAddress): CliError {
  if (err.errors.length) {
    if (err.errors.some((e) => e.code === 'UNAUTHENTICATED')) return refusedKey();
    return new CliError(
      err.errors.map((e) => `${e.message} (${e.code ?? 'no code'})`).join('\n       '),
    );
  }
  if (err.code === 'TIMEOUT')
    return new CliError(
      `the gateway at ${gw.url} did not answer within ${gw.timeoutMs / 1000} s: check its logs, or --url`,
    );
  if (err.status !== undefined)
    return new CliError(
      `${gw.url} answered HTTP ${err.status} without a GraphQL body: check --url (the gateway's endpoint ends in /graphql)`,
    );
  if (err.code === 'NETWORK') return unreachable(gw.url, networkCauseOf(err.cause));
  return new CliError(`${err.message} (${err.code})`);
}

/**
 * A subscription's failure as the CLI reports it. A connection that never opened means the
 * gateway is unreachable; one that opened and dropped was lost. Either may be retried, as may a
 * close the gateway does not mean as final; a refused key or a socket failure that is not a
 * network fault may not.
 */
export function cliFailureOf(f: LiveFailure, gw: GatewayAddress): SocketFailure {
  const { error } = f;
  if (error.errors.length) return { error: cliErrorOf(error, gw), retryable: false };
  if (f.closeCode !== undefined) {
    const reason = f.closeReason ? `: ${f.closeReason}` : '';
    if (f.closeCode === 4401) return { error: refusedKey(), retryable: false };
    if (f.closeCode === 4403)
      return {
        error: new CliError(`the gateway refused the connection${reason} (FORBIDDEN)`),
        retryable: false,
      };
    if (!f.retryable)
      return {
        error: new CliError(`the gateway closed the connection with ${f.closeCode}${reason}`),
        retryable: false,
      };
    return {
      error: f.connected
        ? lost(gw.url, `${f.closeCode}${reason}`)
        : unreachable(gw.url, `WebSocket closed with ${f.closeCode}`),
      retryable: true,
    };
  }
  if (f.systemCode?.startsWith('E'))
    return {
      error: f.connected ? lost(gw.url, f.systemCode) : unreachable(gw.url, f.systemCode),
      retryable: true,
    };
  return {
    error: new CliError(
      `the connection to the gateway at ${gw.url} failed: ${messageOf(error.cause)}`,
    ),
    retryable: false,
  };
}
