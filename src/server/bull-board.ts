import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { Queue } from 'bullmq';
import express from 'express';
import type { NextFunction, Request, Response } from 'express';
import { bearerToken } from '../auth/key-store';
import { auditBoardActions } from './board-audit';
import type { BoardActor, BoardAuditEntry } from './board-audit';
import type { BoardSessions } from './board-sessions';

/** Options of {@link bullBoardRoutes}. */
export interface BullBoardOptions {
  /** The BullMQ queues shown, e.g. every catalog queue of the lane. */
  queues: Queue[];
  /** The role behind an API key, or null when it is unknown or revoked. */
  authenticate: (key: string) => Promise<BoardActor | null>;
  /** Records each board action (anything but a read) in the audit log. */
  audit?: (e: BoardAuditEntry) => void;
  /** Where browser sessions live (opened by the dashboard's sign-in). */
  sessions: BoardSessions;
  /** Where the board is mounted. @defaultValue '/admin/queues' */
  basePath?: string;
}

/** Session cookie of the board: a random id, HttpOnly, SameSite=Strict, scoped to the board. */
export const BULL_BOARD_COOKIE = 'jobgate_board_session';

const howTo = (base: string): string =>
  `Bull Board needs an ADMIN API key: send 'Authorization: Bearer <key>', or sign in to the dashboard at /ui with an ADMIN key (it opens a session for ${base}).`;

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

/**
 * Bull Board (queues, jobs, retries, pause and resume) at `/admin/queues`, for ADMIN keys only:
 * with `Authorization: Bearer <key>`, or in a browser with the session cookie that
 * `POST <base>/session` (the dashboard's sign-in, key in the header) sets for ADMIN keys only.
 * The cookie is HttpOnly and SameSite=Strict, which also keeps other sites from driving the
 * board's POST routes; the key itself never appears in a URL.
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
  const unavailable = (res: Response): void => {
    res
      .status(503)
      .type('text/plain')
      .send('cannot check the API key right now (are Postgres and Redis up?); try again\n');
  };
  const cookieOptions = (req: Request) =>
    ({ httpOnly: true, sameSite: 'strict', secure: req.secure, path: base }) as const;

  /** Opens a session for the ADMIN key in the Authorization header. */
  const openSession = async (req: Request, res: Response): Promise<void> => {
    const key = bearerToken(req.headers.authorization);
    if (!key) return refuse(res, 401, howTo(base));
    try {
      const principal = await o.authenticate(key);
      if (!principal) return refuse(res, 401, 'unknown or revoked API key');
      if (principal.role !== 'ADMIN')
        return refuse(res, 403, `Bull Board needs the ADMIN role; this key is ${principal.role}.`);
      const id = await o.sessions.open(key);
      res.cookie(BULL_BOARD_COOKIE, id, {
        ...cookieOptions(req),
        maxAge: o.sessions.ttlSeconds * 1000,
      });
      res.set('Cache-Control', 'no-store').status(204).end();
    } catch {
      unavailable(res);
    }
  };

  const closeSession = async (req: Request, res: Response): Promise<void> => {
    const id = cookieOf(req, BULL_BOARD_COOKIE);
    try {
      if (id) await o.sessions.close(id);
    } catch {
      return unavailable(res);
    }
    res.clearCookie(BULL_BOARD_COOKIE, cookieOptions(req));
    res.status(204).end();
  };

  const guard = async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const fromHeader = bearerToken(req.headers.authorization);
    const session = fromHeader ? null : cookieOf(req, BULL_BOARD_COOKIE);
    if (!fromHeader && !session) return refuse(res, 401, howTo(base));
    let principal: BoardActor | null;
    try {
      const key = fromHeader ?? (await o.sessions.key(session as string));
      principal = key ? await o.authenticate(key) : null;
    } catch {
      return unavailable(res);
    }
    if (!principal) {
      if (session) res.clearCookie(BULL_BOARD_COOKIE, cookieOptions(req));
      return refuse(
        res,
        401,
        `${session ? 'the session has ended or its key was revoked' : 'unknown or revoked API key'}. ${howTo(base)}`,
      );
    }
    if (principal.role !== 'ADMIN')
      return refuse(res, 403, `Bull Board needs the ADMIN role; this key is ${principal.role}.`);
    res.set('Cache-Control', 'no-store');
    res.locals.boardActor = principal;
    next();
  };

  const router = express.Router();
  router.post(`${base}/session`, openSession);
  router.delete(`${base}/session`, closeSession);
  const audit = o.audit ? [auditBoardActions(o.audit)] : [];
  router.use(base, guard, ...audit, serverAdapter.getRouter() as express.Router);
  return router;
}
