import { badInput } from './app-error';
import type { JobCursor } from './job-query';

/** Opaque `jobs` cursor: base64url of "createdAt|id". */
export const encodeJobCursor = (c: JobCursor): string =>
  Buffer.from(`${c.createdAt.toISOString()}|${c.id}`).toString('base64url');

export function decodeJobCursor(cursor: string): JobCursor {
  const raw = Buffer.from(cursor, 'base64url').toString('utf8');
  const sep = raw.indexOf('|');
  const createdAt = new Date(raw.slice(0, sep));
  if (sep < 1 || Number.isNaN(createdAt.getTime()) || raw.length === sep + 1) {
    throw badInput(`after: '${cursor}' is not a cursor from jobs(...).pageInfo.endCursor`, 'after');
  }
  return { createdAt, id: raw.slice(sep + 1) };
}
