import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { GraphQLError, NoSchemaIntrospectionCustomRule } from 'graphql';
import type { ValidationContext, ValidationRule } from 'graphql';
import type { Config } from '../config';

/**
 * graphql-armor throws its rejections by default, which Apollo answers as a
 * 500; report them as validation errors with BAD_USER_INPUT instead.
 */
const reject = {
  propagateOnRejection: false,
  onReject: [
    (ctx: ValidationContext | null, err: GraphQLError): void => {
      ctx?.reportError(
        new GraphQLError(err.message.replace(/^Syntax Error: /, ''), {
          extensions: { code: 'BAD_USER_INPUT' },
        }),
      );
    },
  ],
};

/**
 * The operation limits that need no variables, as validation rules shared by
 * HTTP and WebSocket. Cost needs them (`first: $n`), so it is judged after
 * (see operation-policy.ts).
 */
export function limitRules(
  c: Pick<Config, 'MAX_QUERY_DEPTH' | 'MAX_ALIASES' | 'GRAPHQL_INTROSPECTION'>,
): ValidationRule[] {
  const rules: ValidationRule[] = [
    maxDepthRule({
      n: c.MAX_QUERY_DEPTH,
      ignoreIntrospection: true,
      flattenFragments: true,
      ...reject,
    }) as unknown as ValidationRule,
    maxAliasesRule({ n: c.MAX_ALIASES, ...reject }) as unknown as ValidationRule,
  ];
  if (!c.GRAPHQL_INTROSPECTION) rules.push(NoSchemaIntrospectionCustomRule);
  return rules;
}

/**
 * How deeply `{`, `(` and `[` nest in a GraphQL document's text, outside
 * strings and comments. graphql-js parses recursively, so a document nested
 * thousands of levels deep overflows the stack before any depth rule can see
 * it; this scan refuses such text before it is parsed.
 */
export function nestingDepth(text: string): number {
  let depth = 0;
  let max = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      if (text.startsWith('"""', i)) {
        const end = text.indexOf('"""', i + 3);
        i = end < 0 ? text.length : end + 2;
      } else {
        for (i++; i < text.length && text.charCodeAt(i) !== 0x22; i++) {
          if (text.charCodeAt(i) === 0x5c /* \ */) i++;
          else if (text.charCodeAt(i) === 0x0a) break;
        }
      }
    } else if (c === 0x23 /* # */) {
      while (i < text.length && text.charCodeAt(i) !== 0x0a) i++;
    } else if (c === 0x7b || c === 0x28 || c === 0x5b) {
      if (++depth > max) max = depth;
    } else if (c === 0x7d || c === 0x29 || c === 0x5d) {
      depth--;
    }
  }
  return max;
}

/** Deepest text nesting let through to the parser: far above any operation the depth rule accepts. */
export const maxNesting = (maxQueryDepth: number): number => Math.max(128, 4 * maxQueryDepth);

/** Why a document's text is refused before parsing (see nestingDepth); HTTP and WebSocket alike. */
export const nestingMessage = (maxNesting: number): string =>
  `the document nests {, ( or [ more than ${maxNesting} levels deep; no operation that deep can pass the depth limit`;

/** Why a request with U+0000 is refused: Postgres cannot store it. HTTP and WebSocket alike. */
export const NUL_MESSAGE =
  'the request contains a NUL character (\\u0000), which jobgate cannot store; remove it';
