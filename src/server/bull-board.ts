import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { Queue } from 'bullmq';
import express from 'express';
import type { NextFunction, Request, Response } from 'express';
import { bearerToken } from '../auth/key-store';

/** Options of {@link bullBoardRoutes}. */
export interface BullBoardOptions {
  /** The BullMQ queues shown, e.g. every catalog queue of the lane. */
  queues: Queue[];
  /** The role behind an API key, or null when it is unknown or revoked. */
  authenticate: (key: string) => Promise<{ role: string } | null>;
  /** Where the board is mounted. @defaultValue '/admin/queues' */
  basePath?: string;
}

/** Cookie that keeps a browser's key after one visit with `?key=`. */
export const BULL_BOARD_COOKIE = 'jobgate_board_key';

const howTo = (base: string): string =>
  `Bull Board needs an ADMIN API key: send 'Authorization: Bearer <key>', or open ${base}?key=<key> once in a browser (the key is then kept in an httpOnly cookie for this path).`;

function cookieOf(req: Request, name: string): string | null {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) {
      try {
        return decodeURIComponent(part.slice(i + 1).trim());
      } catch {
        return null;
      }
    }
  }
  return null;
}

/** The request's URL without the `key` parameter, so the key does not stay in the address bar or history. */
function withoutKey(req: Request): string {
  const url = new URL(req.originalUrl, 'http://x');
  url.searchParams.delete('key');
  return url.pathname + url.search;
}

/**
 * Bull Board (queues, jobs, retries, pause and resume) at `/admin/queues`, for ADMIN keys only.
 * A browser passes the key once as `?key=`; it is kept in an httpOnly, SameSite=Strict cookie
 * scoped to the board's path, which also keeps other sites from driving the board's POST routes.
 */
export function bullBoardRoutes(o: BullBoardOptions): express.Router {
  const base = o.basePath ?? '/admin/queues';
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(base);
  createBullBoard({
    queues: o.queues.map((q) => new BullMQAdapter(q)),
    serverAdapter,
    options: { uiConfig: { boardTitle: 'jobgate' } },
  });

  const refuse = (res: Response, status: 401 | 403, message: string): void => {
    if (status === 401) res.set('WWW-Authenticate', 'Bearer realm="jobgate"');
    res.status(status).type('text/plain').send(`${message}\n`);
  };

  const guard = async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const fromHeader = bearerToken(req.headers.authorization);
    const fromQuery = typeof req.query.key === 'string' && req.query.key ? req.query.key : null;
    const fromCookie = cookieOf(req, BULL_BOARD_COOKIE);
    const key = fromHeader ?? fromQuery ?? fromCookie;
    if (!key) return refuse(res, 401, howTo(base));
    let principal: { role: string } | null;
    try {
      principal = await o.authenticate(key);
    } catch {
      res
        .status(503)
        .type('text/plain')
        .send('cannot check the API key right now (is Postgres up?); try again\n');
      return;
    }
    if (!principal) {
      if (key === fromCookie && !fromHeader && !fromQuery)
        res.clearCookie(BULL_BOARD_COOKIE, { path: base });
      return refuse(res, 401, `unknown or revoked API key. ${howTo(base)}`);
    }
    if (principal.role !== 'ADMIN')
      return refuse(res, 403, `Bull Board needs the ADMIN role; this key is ${principal.role}.`);
    if (key === fromQuery && !fromHeader) {
      res.cookie(BULL_BOARD_COOKIE, key, {
        httpOnly: true,
        sameSite: 'strict',
        secure: req.secure,
        path: base,
      });
      res.redirect(303, withoutKey(req));
      return;
    }
    res.set('Cache-Control', 'no-store');
    next();
  };

  const router = express.Router();
  router.use(base, guard, serverAdapter.getRouter() as express.Router);
  return router;
}
