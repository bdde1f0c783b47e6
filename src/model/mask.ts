/** The mask shown instead of a sensitive value. */
export const MASK = '***';

/** A copy of `input` with the given top-level fields masked. */
export function maskSensitive(fields: readonly string[], input: unknown): unknown {
  if (!fields.length || !input || typeof input !== 'object' || Array.isArray(input)) return input;
  const out: Record<string, unknown> = { ...(input as Record<string, unknown>) };
  for (const f of fields) if (f in out) out[f] = MASK;
  return out;
}
