import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import { ErrorCode } from '../model/error-code';

/** What body parsing and the gateway's own checks throw: an http-errors error, or one with a status. */
type HttpError = { type?: string; status?: number; message?: string };

/**
 * Body errors (malformed JSON, too large) as GraphQL-shaped answers with a code;
 * any other 4xx as BAD_USER_INPUT, and the rest as a logged 500 that shows no internals.
 * Mounted last: express tells an error handler by its four parameters.
 */
export function bodyErrors(
  maxBodyBytes: number,
  log: Logger,
): (err: HttpError, req: Request, res: Response, next: NextFunction) => void {
  return (err: HttpError, _req: Request, res: Response, next: NextFunction) => {
    if (!err) return next();
    if (err.type === 'entity.too.large') {
      res.status(413).json({
        errors: [
          {
            message: `request body is larger than ${maxBodyBytes} bytes`,
            extensions: { code: ErrorCode.BAD_USER_INPUT },
          },
        ],
      });
    } else if (err.type === 'entity.parse.failed') {
      res.status(400).json({
        errors: [
          {
            message: `malformed JSON body: ${err.message}`,
            extensions: { code: ErrorCode.BAD_USER_INPUT },
          },
        ],
      });
    } else if (err.status && err.status < 500) {
      res.status(err.status).json({
        errors: [
          {
            message: err.message ?? 'bad request',
            extensions: { code: ErrorCode.BAD_USER_INPUT },
          },
        ],
      });
    } else {
      log.error({ err }, 'unexpected HTTP error');
      res.status(500).json({
        errors: [
          {
            message: 'Internal server error; it has been logged.',
            extensions: { code: ErrorCode.INTERNAL },
          },
        ],
      });
    }
  };
}
