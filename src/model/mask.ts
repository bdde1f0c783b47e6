/** The mask shown instead of a sensitive value. */
export const MASK = '***';

/** One step of a path: a field, or every element of an array (`items[]`). */
type Step = { field: string; each: boolean };

const parsed = new Map<string, Step[]>();

/** `card.number` → card, number; `items[].secret` → every element of items, then secret. */
function stepsOf(path: string): Step[] {
  let steps = parsed.get(path);
  if (!steps) {
    steps = path
      .split('.')
      .filter(Boolean)
      .map((s) =>
        s.endsWith('[]') ? { field: s.slice(0, -2), each: true } : { field: s, each: false },
      );
    if (parsed.size < 10_000) parsed.set(path, steps);
  }
  return steps;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/** `value` with the value at `steps` masked; untouched parts are shared, changed ones copied. */
function maskAt(value: unknown, steps: Step[], i: number): unknown {
  if (!isObject(value)) return value;
  const { field, each } = steps[i];
  if (!(field in value)) return value;
  const inner = value[field];
  let next: unknown;
  if (each) {
    if (!Array.isArray(inner)) return value;
    next =
      i === steps.length - 1 ? inner.map(() => MASK) : inner.map((el) => maskAt(el, steps, i + 1));
  } else {
    next = i === steps.length - 1 ? MASK : maskAt(inner, steps, i + 1);
  }
  return next === inner ? value : { ...value, [field]: next };
}

/**
 * A copy of `value` with each path masked: `ssn`, `card.number` (nested objects),
 * `items[].secret` (every element of an array). Paths that do not match are ignored.
 */
export function maskPaths(paths: readonly string[] | null | undefined, value: unknown): unknown {
  if (!paths?.length || !isObject(value)) return value;
  let out = value as unknown;
  for (const p of paths) {
    const steps = stepsOf(p);
    if (steps.length) out = maskAt(out, steps, 0);
  }
  return out;
}

/** Where an event's meta holds a copy of user data (a signal's payload, an input, a result). */
const META_HOLDERS = ['payload', 'input', 'result', 'args'];

/**
 * An event's meta with the job's paths masked at its root (a signal payload's fields sit
 * there) and inside the fields that carry user data.
 */
export function maskEventMeta(
  paths: readonly string[] | null | undefined,
  meta: Record<string, unknown> | null | undefined,
): Record<string, unknown> | null | undefined {
  if (!paths?.length || !meta) return meta;
  let out = maskPaths(paths, meta) as Record<string, unknown>;
  for (const k of META_HOLDERS) {
    if (!(k in out)) continue;
    const masked = maskPaths(paths, out[k]);
    if (masked !== out[k]) out = { ...out, [k]: masked };
  }
  return out;
}
