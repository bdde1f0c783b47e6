import { getNamedType, GraphQLError, isLeafType, Kind } from 'graphql';
import type { DocumentNode, FieldNode, GraphQLSchema } from 'graphql';
import { getComplexity } from 'graphql-query-complexity';
import type { ComplexityEstimatorArgs } from 'graphql-query-complexity';
import { ErrorCode } from '../model/error-code';
import { nestsDeeperThan } from '../model/json-depth';

/**
 * Fields whose cost is their work, not their size: `totalCount` is a count(*)
 * in Postgres and `workflow` a describe call to Temporal, per job listed.
 */
const WORK: Record<string, number> = {
  'JobConnection.totalCount': 2000,
  'Job.workflow': 100,
};

/**
 * An object field costs 2, a scalar 1, a field above costs what `WORK` says;
 * a field with `first` costs its children that many times. `args` are the
 * arguments as graphql-js coerced them, so a `first` given by a variable, or
 * left to the schema's default, counts like a literal one.
 */
function estimate({ type, field, node, args, childComplexity }: ComplexityEstimatorArgs): number {
  const own = WORK[`${type.name}.${field.name}`] ?? (isLeafType(getNamedType(field.type)) ? 1 : 2);
  const first = typeof args.first === 'number' && args.first > 1 ? args.first : 1;
  // A connection's totalCount is one count, however long the page: taken out of what `first`
  // multiplies when it is selected plainly (one inside a fragment or under a directive stays in,
  // which can only overcharge).
  const once = getNamedType(field.type).name.endsWith('Connection') ? onceFields(node) : 0;
  return own + first * Math.max(0, childComplexity - once) + once;
}

/** The cost of a connection's plainly selected per-page fields (totalCount). */
function onceFields(node: FieldNode): number {
  let sum = 0;
  for (const s of node.selectionSet?.selections ?? []) {
    if (s.kind !== Kind.FIELD || s.directives?.length) continue;
    const cost = WORK[`JobConnection.${s.name.value}`];
    if (cost) sum += cost;
  }
  return sum;
}

/**
 * What one operation may cost, with its variables applied. Throws graphql-js's
 * error when the variables do not fit the operation (the caller lets execution
 * report those as it always does).
 */
export function operationCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  variables: Record<string, unknown> | undefined,
  operationName?: string | null,
): number {
  return getComplexity({
    schema,
    query: document,
    variables: variables ?? {},
    operationName: operationName ?? undefined,
    estimators: [estimate],
  });
}

/** The limits an operation is judged by once its variables are known. */
export interface OperationLimits {
  maxCost: number;
  /** Deepest nesting of objects and arrays in a variable's value. */
  maxInputDepth: number;
}

/**
 * Why an operation is refused once its variables are known, or undefined: the
 * same judgement on HTTP (Apollo's didResolveOperation) and on WebSocket
 * (graphql-ws's onSubscribe), before anything runs.
 */
export function operationRefusal(
  schema: GraphQLSchema,
  document: DocumentNode,
  variables: Record<string, unknown> | null | undefined,
  operationName: string | null | undefined,
  limits: OperationLimits,
): GraphQLError | undefined {
  const tooDeep = depthRefusal(variables, limits);
  if (tooDeep) return tooDeep;
  let cost: number;
  try {
    cost = operationCost(schema, document, variables ?? undefined, operationName);
  } catch {
    // Variables that do not fit: execution reports them with graphql-js's own words.
    return undefined;
  }
  if (cost > limits.maxCost) {
    return refused(
      `Query Cost limit of ${limits.maxCost} exceeded, found ${cost}: ask for fewer items (first), fields or aliases, or page through them`,
    );
  }
  return undefined;
}

/**
 * Variables nested deeper than MAX_INPUT_DEPTH, refused before anything walks
 * them recursively (JSON.stringify overflows the stack on 200,000 levels).
 */
export function depthRefusal(
  variables: Record<string, unknown> | null | undefined,
  limits: Pick<OperationLimits, 'maxInputDepth'>,
): GraphQLError | undefined {
  // The variables object and an input object around the JSON value are two levels of their own.
  if (variables && nestsDeeperThan(variables, limits.maxInputDepth + 2)) {
    return refused(
      `a variable nests objects or arrays more than ${limits.maxInputDepth} levels deep (MAX_INPUT_DEPTH); flatten it`,
    );
  }
  return undefined;
}

const refused = (message: string): GraphQLError =>
  new GraphQLError(message, {
    extensions: { code: ErrorCode.BAD_USER_INPUT, http: { status: 400 } },
  });
