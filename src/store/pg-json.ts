/**
 * The one way into Postgres for JSON and text values.
 *
 * Postgres refuses U+0000 in `text` and `jsonb`, and refuses the JSON escape of a lone UTF-16
 * surrogate in `jsonb` ("Unicode low surrogate must follow a high surrogate"). One such value
 * in a batch would fail the batch, so both become U+FFFD (the replacement character) here.
 * Every step is a single left-to-right pass with no backtracking: the cost is linear in the
 * size of the text, whatever it holds (runs of backslashes included).
 */

const REPLACEMENT = '\\ufffd';
const BACKSLASH = 0x5c;
const LOWER_U = 0x75;
const LOWER_D = 0x64;

/**
 * True when the six characters at `i` (a `\u` escape of JSON.stringify) stand for a character
 * Postgres refuses: NUL (`\u0000`) or a surrogate (`\ud800`-`\udfff`). JSON.stringify writes a
 * valid pair as the characters themselves, so any surrogate it escapes is a lone one; it
 * writes the hex digits in lower case.
 */
function refusedEscape(json: string, i: number): boolean {
  const c2 = json.charCodeAt(i + 2);
  if (c2 === LOWER_D) {
    const c3 = json.charCodeAt(i + 3);
    // d8..df: 8, 9, a-f
    return (c3 >= 0x38 && c3 <= 0x39) || (c3 >= 0x61 && c3 <= 0x66);
  }
  return (
    c2 === 0x30 &&
    json.charCodeAt(i + 3) === 0x30 &&
    json.charCodeAt(i + 4) === 0x30 &&
    json.charCodeAt(i + 5) === 0x30
  );
}

/**
 * Replaces, in JSON text written by JSON.stringify, every escape Postgres refuses by `\ufffd`.
 * Escapes are read left to right, each once, so `\\u0000` (an escaped backslash, then the text
 * "u0000") is left as it is.
 */
export function sanitizeJsonText(json: string): string {
  // Fast path: JSON.stringify writes `\u` only for control characters and lone surrogates.
  let i = json.indexOf('\\u');
  if (i === -1) return json;
  // Restart at the first backslash of the run that ends in that `\u`, so escapes pair up.
  while (i > 0 && json.charCodeAt(i - 1) === BACKSLASH) i--;
  let out = '';
  let copied = 0;
  const n = json.length;
  while (i < n) {
    i = json.indexOf('\\', i);
    if (i === -1) break;
    if (json.charCodeAt(i + 1) === LOWER_U) {
      if (refusedEscape(json, i)) {
        out += json.slice(copied, i) + REPLACEMENT;
        copied = i + 6;
      }
      i += 6;
    } else i += 2;
  }
  return copied === 0 ? json : out + json.slice(copied);
}

/**
 * JSON text for a Postgres parameter (`$1::jsonb`, `jsonb_to_recordset($1::jsonb)`): NUL and
 * lone surrogates anywhere in `value` (keys included) become U+FFFD. `undefined` is `null`.
 */
export const pgJson = (value: unknown): string => sanitizeJsonText(JSON.stringify(value) ?? 'null');

const LONE_OR_NUL = /[\0\ud800-\udfff]/;

/** The WHATWG UTF-16 decoder writes U+FFFD for each lone surrogate, in one pass. */
const utf16 = new TextDecoder('utf-16le');

/**
 * A string for a Postgres `text` parameter: NUL and lone surrogates become U+FFFD, valid
 * surrogate pairs are kept. `null` and `undefined` stay as they are.
 */
export function pgText<T extends string | null | undefined>(s: T): T {
  if (typeof s !== 'string' || !LONE_OR_NUL.test(s)) return s;
  const units = new Uint16Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    units[i] = c === 0 ? 0xfffd : c;
  }
  return utf16.decode(units) as T;
}

/** True when JSON text carries a NUL character. */
export const hasNul = (json: string | Buffer): boolean =>
  json.includes('\\u0000') || json.includes('\u0000');
