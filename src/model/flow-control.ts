import type { JsonSchema } from './job-type';

/** Attempts of one key at once, across every worker. */
export interface KeyedConcurrency {
  /** Where the key is in the input: `input.accountId`, `input.user.id`. */
  key: string;
  limit: number;
}

/** Starts of one key per window, across every worker. */
export interface KeyedRateLimit {
  key: string;
  max: number;
  perMs: number;
}

/** A job waits `ms`; a later submission of its key in that time replaces it and waits again. */
export interface KeyedDebounce {
  key: string;
  ms: number;
}

/**
 * A submission whose key matches a job accepted within `ttlMs` (without `ttlMs`: one that has
 * not finished) returns that job instead of a new one.
 */
export interface KeyedDeduplication {
  key: string;
  ttlMs?: number;
}

/** Per-key flow control of a job type; every option is optional. */
export interface FlowControl {
  concurrency?: KeyedConcurrency;
  rateLimit?: KeyedRateLimit;
  debounce?: KeyedDebounce;
  deduplicate?: KeyedDeduplication;
}

export type FlowOption = keyof FlowControl;

export const FLOW_OPTIONS: readonly FlowOption[] = [
  'concurrency',
  'rateLimit',
  'debounce',
  'deduplicate',
];

/** The key each of a job's options took from its input, by option. */
export type FlowKeys = Partial<Record<FlowOption, string>>;

/** Longest key value kept, characters. */
export const MAX_KEY_CHARS = 200;

/** The input fields a key path names: `input.a.b` is ['a', 'b']; null when it does not start with `input.`. */
export function keyFields(path: string): string[] | null {
  const parts = path.split('.');
  if (parts[0] !== 'input' || parts.length < 2 || parts.some((p) => p === '')) return null;
  return parts.slice(1);
}

/** The schema of the value at `fields` in `schema`: through `properties` only, so the field is declared. */
function schemaAt(schema: JsonSchema, fields: string[]): JsonSchema | null {
  let s: unknown = schema;
  for (const f of fields) {
    const props = (s as { properties?: Record<string, unknown> } | null)?.properties;
    if (!props || typeof props !== 'object' || !Object.prototype.hasOwnProperty.call(props, f))
      return null;
    s = props[f];
  }
  return s && typeof s === 'object' ? (s as JsonSchema) : null;
}

const SCALARS = new Set(['string', 'number', 'integer', 'boolean']);

/** Whether a field's schema allows only scalars (a key is a string, number or boolean). */
function scalarSchema(s: JsonSchema): boolean {
  const t = s.type;
  if (t === undefined) return s.enum !== undefined || s.const !== undefined;
  return (Array.isArray(t) ? t : [t]).every((x) => SCALARS.has(String(x)) || x === 'null');
}

/**
 * Why a type's flow control cannot work with its input schema: a malformed option, a key path
 * that does not start with `input.`, names a field the schema does not declare, or one that
 * is not a string, number or boolean. Null when it is fine. Messages name the option.
 */
export function flowControlProblem(fc: FlowControl, inputSchema: JsonSchema): string | null {
  const positive = (v: unknown): boolean => Number.isInteger(v) && (v as number) > 0;
  for (const option of FLOW_OPTIONS) {
    const o = fc[option] as Record<string, unknown> | undefined;
    if (o === undefined) continue;
    if (o === null || typeof o !== 'object') return `${option} must be an object with a key`;
    const limits: Record<FlowOption, string[]> = {
      concurrency: ['limit'],
      rateLimit: ['max', 'perMs'],
      debounce: ['ms'],
      deduplicate: o.ttlMs === undefined ? [] : ['ttlMs'],
    };
    for (const f of limits[option])
      if (!positive(o[f]))
        return `${option}.${f} must be a positive integer (got ${JSON.stringify(o[f])})`;
    if (typeof o.key !== 'string') return `${option}.key must be a path such as 'input.accountId'`;
    const fields = keyFields(o.key);
    if (!fields)
      return `${option}.key '${o.key}' must be a path into the input, such as 'input.accountId'`;
    const at = schemaAt(inputSchema, fields);
    if (!at)
      return `${option}.key '${o.key}' names a field the input schema does not declare; declare it under the schema's properties`;
    if (!scalarSchema(at))
      return `${option}.key '${o.key}' must name a string, number or boolean field`;
  }
  return null;
}

/** Outcome of reading a job's keys from its input. */
export type KeysOf = { keys: FlowKeys } | { missing: { option: FlowOption; path: string } };

/** The key of each option, read from a validated input. */
export function flowKeysOf(fc: FlowControl, input: unknown): KeysOf {
  const keys: FlowKeys = {};
  for (const option of FLOW_OPTIONS) {
    const o = fc[option];
    if (!o) continue;
    let v: unknown = input;
    for (const f of keyFields(o.key) ?? []) {
      v =
        v && typeof v === 'object' && !Array.isArray(v)
          ? (v as Record<string, unknown>)[f]
          : undefined;
    }
    if (v === undefined || v === null || typeof v === 'object')
      return { missing: { option, path: o.key } };
    keys[option] = String(v).slice(0, MAX_KEY_CHARS);
  }
  return { keys };
}

/** Whether a type has any per-key option. */
export const hasFlowControl = (fc: FlowControl | undefined): fc is FlowControl =>
  !!fc && FLOW_OPTIONS.some((o) => fc[o] !== undefined);

/**
 * The key jobs of a type share their engine's fair turn by: the concurrency key, else the
 * rate-limit key. Undefined for a type with neither.
 */
export const fairnessOption = (
  fc: FlowControl | undefined,
): 'concurrency' | 'rateLimit' | undefined =>
  fc?.concurrency ? 'concurrency' : fc?.rateLimit ? 'rateLimit' : undefined;
