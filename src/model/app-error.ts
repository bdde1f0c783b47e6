import { ErrorCode } from './error-code';

/**
 * An error meant for the client: its message is shown as is, with `code` as
 * `extensions.code`. Services and lanes throw it; the server maps it to GraphQL.
 */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'AppError';
    Object.setPrototypeOf(this, new.target.prototype);
  }
}

export const badInput = (message: string, field?: string): AppError =>
  new AppError(ErrorCode.BAD_USER_INPUT, message, field ? { field } : {});
export const notFound = (what: string, id: string): AppError =>
  new AppError(ErrorCode.NOT_FOUND, `${what} ${id} was not found`);
export const forbidden = (message: string): AppError => new AppError(ErrorCode.FORBIDDEN, message);
export const conflict = (message: string): AppError => new AppError(ErrorCode.CONFLICT, message);
export const unavailable = (message: string): AppError =>
  new AppError(ErrorCode.BACKEND_UNAVAILABLE, message);
