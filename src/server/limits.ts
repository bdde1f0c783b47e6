import { costLimitRule } from '@escape.tech/graphql-armor-cost-limit';
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

/** The operation limits, as validation rules shared by HTTP and WebSocket. */
export function limitRules(
  c: Pick<Config, 'MAX_QUERY_DEPTH' | 'MAX_ALIASES' | 'MAX_QUERY_COST' | 'GRAPHQL_INTROSPECTION'>,
): ValidationRule[] {
  const rules: ValidationRule[] = [
    maxDepthRule({
      n: c.MAX_QUERY_DEPTH,
      ignoreIntrospection: true,
      flattenFragments: true,
      ...reject,
    }) as unknown as ValidationRule,
    maxAliasesRule({ n: c.MAX_ALIASES, ...reject }) as unknown as ValidationRule,
    costLimitRule({
      maxCost: c.MAX_QUERY_COST,
      objectCost: 2,
      scalarCost: 1,
      depthCostFactor: 1.5,
      ignoreIntrospection: true,
      ...reject,
    }) as unknown as ValidationRule,
  ];
  if (!c.GRAPHQL_INTROSPECTION) rules.push(NoSchemaIntrospectionCustomRule);
  return rules;
}
