import { RE2JS } from 're2js';
import type { RegExpEngine, RegExpLike } from 'ajv/dist/types';

/**
 * ajv's regular-expression engine for `pattern` and `patternProperties`: RE2 (re2js), whose
 * matching time is linear in the input, so no pattern a worker registers can backtrack for
 * minutes on a crafted string. RE2 refuses what it cannot run in linear time (backreferences,
 * lookaround): ajv then fails to compile the schema, and its type is refused.
 */
export const linearRegExp: RegExpEngine = Object.assign(
  (pattern: string): RegExpLike => {
    const re = RE2JS.compile(pattern);
    return { test: (s: string) => re.test(s) };
  },
  { code: 'linearRegExp' },
);
