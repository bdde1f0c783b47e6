/**
 * SQLSTATE classes of a record Postgres refuses for what it holds: 22 data exception (bad
 * encoding, a value out of range, a string too long...), 23 integrity constraint violation,
 * 54 program limit exceeded (an index row too large...). Retrying such a record fails the
 * same way for ever; every other error (connection refused or lost, 08 connection, 57 operator
 * intervention, 53 insufficient resources, a timeout) says nothing about the record, and the
 * batch is retried whole.
 */
const REFUSAL_CLASSES = new Set(['22', '23', '54']);

/** The SQLSTATE of a pg (or TypeORM QueryFailedError) error, when it has one. */
export function sqlState(err: unknown): string | undefined {
  const e = err as { code?: unknown; driverError?: { code?: unknown } } | null;
  const code = e?.driverError?.code ?? e?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/** True when Postgres refused the statement for the data it carried (see REFUSAL_CLASSES). */
export const isRefusal = (err: unknown): boolean =>
  REFUSAL_CLASSES.has(sqlState(err)?.slice(0, 2) ?? '');

/**
 * Writes `items` with `write`. When Postgres refuses the batch (isRefusal), splits it in
 * halves, in order, until each refused item stands alone; each is handed to `refuse`, every
 * other item is written. Any other error propagates at once (the caller retries what is not
 * yet `written`). A batch of n items with k refused costs about 2k·log2(n) extra statements.
 * Returns the number of refused items.
 */
export async function writeBisecting<T>(
  items: T[],
  write: (part: T[]) => Promise<void>,
  refuse: (item: T, err: unknown) => Promise<void>,
  written?: (part: T[]) => void,
): Promise<number> {
  if (items.length === 0) return 0;
  try {
    await write(items);
    written?.(items);
    return 0;
  } catch (err) {
    if (!isRefusal(err)) throw err;
    if (items.length === 1) {
      await refuse(items[0], err);
      written?.(items);
      return 1;
    }
  }
  const mid = items.length >> 1;
  const left = await writeBisecting(items.slice(0, mid), write, refuse, written);
  return left + (await writeBisecting(items.slice(mid), write, refuse, written));
}
