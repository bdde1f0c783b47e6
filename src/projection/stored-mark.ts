import type { Redis } from 'ioredis';
import type { BusKeys } from '../bus/bus-keys';

/** The group's fields of XINFO GROUPS, by name. */
async function groupInfo(redis: Redis, keys: BusKeys): Promise<Record<string, unknown> | null> {
  let groups: unknown[][];
  try {
    groups = (await redis.call('XINFO', 'GROUPS', keys.stream)) as unknown[][];
  } catch (err) {
    if (String((err as Error).message).includes('no such key')) return null;
    throw err;
  }
  for (const g of groups) {
    const o: Record<string, unknown> = {};
    for (let i = 0; i < g.length; i += 2) o[String(g[i])] = g[i + 1];
    if (o.name === keys.group) return o;
  }
  return null;
}

/** The stream id right after `id`. */
const successor = (id: string): string => {
  const [ms, seq] = id.split('-');
  return `${ms}-${(BigInt(seq ?? '0') + 1n).toString()}`;
};

/**
 * A stream id below which the aggregators have handled every entry (stored it,
 * or kept it aside as refused): the oldest entry still pending in their group,
 * or the one after the last delivered. Without a group, the stream's first
 * entry (what is older is only in Postgres); undefined when the stream is empty too.
 */
export async function storedBelow(redis: Redis, keys: BusKeys): Promise<string | undefined> {
  const g = await groupInfo(redis, keys);
  if (!g) {
    const first = await redis.xrange(keys.stream, '-', '+', 'COUNT', 1);
    return first[0]?.[0];
  }
  if (Number(g.pending ?? 0) > 0) {
    const summary = (await redis.call('XPENDING', keys.stream, keys.group)) as unknown[];
    if (typeof summary[1] === 'string') return summary[1];
  }
  return successor(String(g['last-delivered-id'] ?? '0-0'));
}

/**
 * The time (ms) up to which every entry of the stream has been handled by the aggregators:
 * `now` when their group has nothing pending and nothing left to read (an idle stream is
 * stored through the present), else the time of storedBelow's id. Undefined while there is
 * no stream.
 */
export async function storedThroughMs(
  redis: Redis,
  keys: BusKeys,
  now = Date.now(),
): Promise<number | undefined> {
  const g = await groupInfo(redis, keys);
  if (g && Number(g.pending ?? 0) === 0 && g.lag !== null && Number(g.lag ?? 1) === 0) return now;
  const below = await storedBelow(redis, keys);
  return below === undefined ? undefined : Number(below.split('-')[0]);
}
