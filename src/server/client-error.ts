import { GraphQLError } from 'graphql';
import type { GraphQLFormattedError } from 'graphql';
import type { Logger } from 'pino';
import { AppError } from '../model/app-error';
import { ErrorCode } from '../model/error-code';

const known = new Set<string>(Object.values(ErrorCode));
/** Codes graphql-js and Apollo use for a request the client got wrong. */
const clientMistakes = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
]);

const DOWN_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  '57P01',
  '57P02',
  '57P03',
  '08000',
  '08003',
  '08006',
  '08001',
  '08004',
]);
const DOWN_MESSAGES =
  /Connection terminated|connection timeout|Connection is closed|MaxRetriesPerRequest|ECONNREFUSED|the database system is (starting up|shutting down)|Client has encountered a connection error|timeout exceeded when trying to connect|Stream isn't writeable/i;

/** True for errors that mean Postgres or Redis cannot be reached (a client can retry). */
export function isBackendDown(err: unknown): boolean {
  const e = err as {
    code?: unknown;
    message?: unknown;
    driverError?: unknown;
    cause?: unknown;
    thrownValue?: unknown;
  } | null;
  if (!e || typeof e !== 'object') return false;
  if (typeof e.code === 'string' && DOWN_CODES.has(e.code)) return true;
  if (typeof e.message === 'string' && DOWN_MESSAGES.test(e.message)) return true;
  // A driver that rejects with a plain object (pg's socket error, ECONNRESET) reaches
  // GraphQL as NonErrorThrown, which keeps the value thrown in `thrownValue`.
  return isBackendDown(e.driverError) || isBackendDown(e.cause) || isBackendDown(e.thrownValue);
}

/**
 * Postgres "data exception" codes (class 22) that only a client's value can
 * cause: U+0000 in text, a number out of range, a malformed uuid. Each names
 * what to change.
 */
const NUL_IN_TEXT =
  'a text argument contains U+0000 (NUL), which cannot be stored or matched; remove it';
const PG_DATA_ERRORS: Record<string, string> = {
  '22021': NUL_IN_TEXT,
  '22P05': NUL_IN_TEXT,
  '22003': 'a number in the arguments is out of range',
  '22P02': 'an argument is not in the expected form (for example an id that is not a UUID)',
  '22001': 'a text argument is too long',
};

function pgDataError(err: unknown): string | undefined {
  const e = err as { code?: unknown; driverError?: { code?: unknown } } | null;
  if (!e || typeof e !== 'object') return undefined;
  const code = typeof e.code === 'string' ? e.code : e.driverError?.code;
  return typeof code === 'string' ? PG_DATA_ERRORS[code] : undefined;
}

/** Apollo marks errors in the request itself (a persisted-query hash that does not match, say) with a 4xx status. */
function clientHttpStatus(error: unknown): boolean {
  const status = (error as { extensions?: { http?: { status?: unknown } } } | null)?.extensions
    ?.http?.status;
  return typeof status === 'number' && status >= 400 && status < 500;
}

/**
 * The one mapping from an error to what a client sees: AppErrors and errors
 * that already carry one of our codes pass through; the client's own mistakes
 * become BAD_USER_INPUT; anything else is logged whole and masked as INTERNAL.
 */
export function toClientError(
  formatted: GraphQLFormattedError,
  error: unknown,
  log: Logger,
): GraphQLFormattedError {
  const original =
    error instanceof GraphQLError && error.originalError ? error.originalError : error;
  if (original instanceof AppError) {
    return {
      message: original.message,
      path: formatted.path,
      locations: formatted.locations,
      extensions: { code: original.code, ...original.details },
    };
  }
  const code = formatted.extensions?.code;
  if (
    typeof code === 'string' &&
    known.has(code) &&
    !(
      original instanceof Error &&
      !(original instanceof GraphQLError) &&
      code === ErrorCode.INTERNAL
    )
  ) {
    return { ...formatted, extensions: { ...formatted.extensions, code } };
  }
  if (typeof code === 'string' && clientMistakes.has(code)) {
    return { ...formatted, extensions: { code: ErrorCode.BAD_USER_INPUT, reason: code } };
  }
  // A GraphQLError without an original error and without a code is graphql-js telling the client something.
  if (error instanceof GraphQLError && !error.originalError && code === undefined) {
    return { ...formatted, extensions: { code: ErrorCode.BAD_USER_INPUT } };
  }
  // graphql-js wraps a variable it could not coerce ("Expected type X to be an object") in a
  // second GraphQLError; Apollo codes it on HTTP, graphql-ws does not. A request-level error
  // (no path) whose cause is graphql-js's own is the client's mistake on either transport.
  if (
    error instanceof GraphQLError &&
    original instanceof GraphQLError &&
    code === undefined &&
    !formatted.path &&
    (original.extensions?.code === undefined ||
      clientMistakes.has(String(original.extensions.code)))
  ) {
    return { ...formatted, extensions: { code: ErrorCode.BAD_USER_INPUT } };
  }
  if (error instanceof GraphQLError && !error.originalError && clientHttpStatus(error)) {
    return { ...formatted, extensions: { code: ErrorCode.BAD_USER_INPUT } };
  }
  const dataError = pgDataError(original);
  if (dataError) {
    return {
      message: dataError,
      path: formatted.path,
      locations: formatted.locations,
      extensions: { code: ErrorCode.BAD_USER_INPUT },
    };
  }
  if (isBackendDown(original)) {
    log.warn({ err: original }, 'a backend is unreachable');
    return {
      message: 'a backend (Postgres or Redis) is unreachable right now; retry shortly',
      path: formatted.path,
      locations: formatted.locations,
      extensions: { code: ErrorCode.BACKEND_UNAVAILABLE },
    };
  }
  log.error({ err: original }, 'unexpected error');
  return {
    message: 'Internal server error; it has been logged.',
    path: formatted.path,
    locations: formatted.locations,
    extensions: { code: ErrorCode.INTERNAL },
  };
}
