import type { JsonSchema } from '../model/job-type';

/** How big a registered schema may be. */
export interface SchemaLimits {
  /** Largest schema, bytes of JSON. @defaultValue 65536 */
  maxBytes: number;
  /** Deepest nesting of objects and arrays in a schema. @defaultValue 64 */
  maxDepth: number;
}

/** The limits when none are configured. */
export const DEFAULT_SCHEMA_LIMITS: SchemaLimits = { maxBytes: 65_536, maxDepth: 64 };

/**
 * Most items an array checked with `uniqueItems` may hold when its items are not scalars:
 * ajv compares such items pairwise, so the cost grows with the square of the count.
 * @defaultValue 1000
 */
export const MAX_UNIQUE_ITEMS = 1000;

const SCALARS = new Set(['string', 'number', 'integer', 'boolean', 'null']);

/** True when `items` says every item is a scalar, the case ajv checks in linear time. */
function scalarItems(items: unknown): boolean {
  if (!items || typeof items !== 'object' || Array.isArray(items)) return false;
  const t = (items as JsonSchema).type;
  const types = Array.isArray(t) ? t : [t];
  return types.length > 0 && types.every((x) => typeof x === 'string' && SCALARS.has(x));
}

/**
 * Why a schema is too costly to compile or to run, or null: too many bytes, nested too
 * deeply, or `uniqueItems` over unbounded non-scalar items. Walks the schema with an
 * explicit stack, so a schema nested any depth cannot overflow the call stack.
 */
export function schemaLimitProblem(schema: unknown, limits: SchemaLimits): string | null {
  let text: string;
  try {
    text = JSON.stringify(schema) ?? 'null';
  } catch {
    return 'is not JSON (or nests too deeply to write as JSON)';
  }
  const bytes = Buffer.byteLength(text);
  if (bytes > limits.maxBytes) return `is ${bytes} bytes of JSON; the limit is ${limits.maxBytes}`;
  const stack: [unknown, number][] = [[schema, 1]];
  while (stack.length) {
    const [node, depth] = stack.pop()!;
    if (!node || typeof node !== 'object') continue;
    if (depth > limits.maxDepth)
      return `nests objects and arrays more than ${limits.maxDepth} levels deep`;
    if (Array.isArray(node)) {
      for (const v of node) stack.push([v, depth + 1]);
      continue;
    }
    const s = node as JsonSchema;
    if (
      s.uniqueItems === true &&
      !scalarItems(s.items) &&
      !(typeof s.maxItems === 'number' && s.maxItems <= MAX_UNIQUE_ITEMS)
    )
      return `uses uniqueItems on items that are not scalars without maxItems <= ${MAX_UNIQUE_ITEMS} (checking it costs the square of the item count)`;
    for (const v of Object.values(s)) stack.push([v, depth + 1]);
  }
  return null;
}
