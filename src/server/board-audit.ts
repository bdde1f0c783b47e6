import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { AuditEntry } from '../store/audit-store';

/** Who acted through the board (the principal its guard let through). */
export interface BoardActor {
  role: string;
  tenant?: string;
  keyId?: string | null;
}

/** One board action as the audit log keeps it (the AuditStore's entry). */
export type BoardAuditEntry = Omit<AuditEntry, 'id' | 'at'>;

/** Actions on a whole queue, as Bull Board's API names them. */
const QUEUE_ACTIONS = new Set([
  'add',
  'retry',
  'promote',
  'clean',
  'pause',
  'resume',
  'concurrency',
  'rate-limit',
  'empty',
  'obliterate',
  'job-schedulers',
]);

/**
 * What a Bull Board API call does, from its path: `board.queue.clean` on a queue,
 * `board.job.retry` on a job (a BullMQ job id is the jobgate job id), `board.queues.pause`
 * on all. The targets name the queue as `queue:<name>` and the job or scheduler by id.
 */
export function boardAction(
  method: string,
  path: string,
): { operation: string; targets: string[] } {
  const parts = path.split('/').filter(Boolean).map(decodeSegment);
  const at = parts.indexOf('queues');
  const rest = at >= 0 && parts[at - 1] === 'api' ? parts.slice(at + 1) : parts;
  if (rest.length === 1) return { operation: `board.queues.${rest[0]}`, targets: [] };
  const [queue, second, third] = rest;
  if (queue === undefined || second === undefined) {
    return { operation: `board.${method.toLowerCase()}`, targets: [] };
  }
  if (second === 'job-schedulers') {
    return {
      operation: `board.scheduler.${rest[3] ?? (method === 'DELETE' ? 'remove' : 'update')}`,
      targets: [`queue:${queue}`, ...(third ? [third] : [])],
    };
  }
  if (QUEUE_ACTIONS.has(second) || third === undefined) {
    return { operation: `board.queue.${second}`, targets: [`queue:${queue}`] };
  }
  return { operation: `board.job.${third}`, targets: [`queue:${queue}`, second] };
}

function decodeSegment(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/**
 * Records every Bull Board action (anything but a read) in the audit log once it is
 * answered: who, what, on which queue or job, and its HTTP outcome. Runs after the board's
 * guard, which leaves the principal in `res.locals.boardActor`.
 */
export function auditBoardActions(record: (e: BoardAuditEntry) => void) {
  return (req: Request, res: Response, next: NextFunction): void => {
    if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS') return next();
    const actor = res.locals.boardActor as BoardActor | undefined;
    const { operation, targets } = boardAction(req.method, req.path);
    const requestId = (req.headers['x-request-id'] as string | undefined) ?? randomUUID();
    res.once('finish', () => {
      record({
        keyId: actor?.keyId ?? null,
        tenant: actor?.tenant ?? 'default',
        role: actor?.role ?? 'ADMIN',
        operation,
        targetIds: targets.slice(0, 10).map((t) => t.slice(0, 200)),
        outcome: res.statusCode < 400 ? 'ok' : `HTTP_${res.statusCode}`,
        requestId,
      });
    });
    next();
  };
}
