/** A `\u0000` escape in JSON text that is not itself an escaped backslash followed by "u0000". */
const NUL_ESCAPE = /(?<=(?:^|[^\\])(?:\\\\)*)\\u0000/g;

/**
 * JSON text for a Postgres parameter. Postgres text and jsonb cannot hold
 * U+0000, and one such event would fail every later batch of the aggregator,
 * so NUL becomes U+FFFD (the replacement character).
 */
export const pgJson = (value: unknown): string =>
  JSON.stringify(value).replace(NUL_ESCAPE, '\\ufffd');

/** True when JSON text carries a NUL character. */
export const hasNul = (json: string | Buffer): boolean =>
  json.includes('\\u0000') || json.includes('\u0000');
