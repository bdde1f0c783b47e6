import { JobgateError } from './jobgate-error';

/** One error of a GraphQL answer. */
export interface GraphqlError {
  message: string;
  extensions?: { code?: unknown; field?: unknown; [k: string]: unknown };
}

/** The code of an answer without one (from a proxy in between, say), by its HTTP status. */
export const codeOfStatus = (status: number | undefined): string =>
  status === 429 ? 'RATE_LIMITED' : status === 503 ? 'BACKEND_UNAVAILABLE' : 'INTERNAL';

const codeOf = (e: GraphqlError): string | undefined =>
  typeof e.extensions?.code === 'string' ? e.extensions.code : undefined;

/** The first GraphQL error as a JobgateError that carries the others too. */
export function errorOfGraphql(errors: readonly GraphqlError[], status?: number): JobgateError {
  const first = errors[0];
  const field = typeof first.extensions?.field === 'string' ? first.extensions.field : undefined;
  return new JobgateError(first.message, codeOf(first) ?? codeOfStatus(status), field, status, {
    errors: errors.map((e) => ({ message: e.message, code: codeOf(e) })),
  });
}
