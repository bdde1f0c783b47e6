/**
 * Whether a JSON value nests objects and arrays more than `limit` levels deep.
 * Iterative, and it stops as soon as it knows: a client can send input nested
 * hundreds of thousands of levels, which any recursive walk (JSON.stringify
 * included) overflows the stack on.
 */
export function nestsDeeperThan(value: unknown, limit: number): boolean {
  if (value === null || typeof value !== 'object') return false;
  const stack: Array<{ v: object; d: number }> = [{ v: value, d: 1 }];
  while (stack.length > 0) {
    const { v, d } = stack.pop() as { v: object; d: number };
    if (d > limit) return true;
    const children = Array.isArray(v) ? v : Object.values(v);
    for (const c of children) {
      if (c !== null && typeof c === 'object') stack.push({ v: c, d: d + 1 });
    }
  }
  return false;
}
