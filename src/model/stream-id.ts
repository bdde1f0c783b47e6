import { badInput } from './app-error';

/** A Redis stream id split into its two numbers. */
export interface StreamPos {
  ms: number;
  seq: number;
}

const ID = /^(\d{1,15})-(\d{1,9})$/;

/** True when `id` has the shape of a stream id ("1700000000000-0"). */
export const isStreamId = (id: string): boolean => ID.test(id);

/** Checks a client's `after:` event cursor: BAD_USER_INPUT unless it is an event (stream) id. */
export function assertEventCursor(after: string | null | undefined): void {
  if (after && !isStreamId(after))
    throw badInput(`after: '${after}' is not an event id (like "1700000000000-0")`, 'after');
}

export function parseStreamId(id: string): StreamPos {
  const m = ID.exec(id);
  if (!m) throw new Error(`not a stream id: ${id}`);
  return { ms: Number(m[1]), seq: Number(m[2]) };
}

export const formatStreamId = (p: StreamPos): string => `${p.ms}-${p.seq}`;

/** Negative when a is before b, 0 when equal, positive after. */
export function compareStreamIds(a: string, b: string): number {
  const pa = parseStreamId(a);
  const pb = parseStreamId(b);
  return pa.ms - pb.ms || pa.seq - pb.seq;
}
