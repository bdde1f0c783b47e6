import 'reflect-metadata';
import type { GraphQLSchema } from 'graphql';
import { buildSchemaSync } from 'type-graphql';
import { resolvers } from './';
import '../schema/enums';

/**
 * Every subscription brings its own `subscribe` (the event feed); type-graphql
 * still asks for a PubSub, which is never called.
 */
const unusedPubSub = {
  publish: (): void => {
    throw new Error('jobgate subscriptions read the event feed, not a PubSub');
  },
  subscribe: (): never => {
    throw new Error('jobgate subscriptions read the event feed, not a PubSub');
  },
};

let cached: GraphQLSchema | undefined;

/** The executable schema, built once per process from the type-graphql classes. */
export function buildJobgateSchema(): GraphQLSchema {
  cached ??= buildSchemaSync({
    resolvers,
    validate: false,
    pubSub: unusedPubSub,
  });
  return cached;
}
