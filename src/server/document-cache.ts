import { GraphQLError, parse, specifiedRules, validate } from 'graphql';
import type { DocumentNode, GraphQLSchema, ValidationRule } from 'graphql';
import { LRUCache } from 'lru-cache';
import { nestingDepth, nestingMessage } from './limits';

/** A parsed document weighs about this many times its text (its AST and locations). */
const AST_FACTOR = 8;

/**
 * Parsed and validated documents by their text, for graphql-ws (which does not
 * cache), bounded by an estimate of their bytes rather than their number: a
 * thousand 1 MiB texts would otherwise stay in memory. Documents that fail are
 * not kept, so a stream of unique invalid texts cannot push valid ones out.
 */
export class DocumentCache {
  private readonly cache: LRUCache<string, DocumentNode>;

  constructor(
    private readonly schema: GraphQLSchema,
    private readonly rules: readonly ValidationRule[],
    private readonly maxNesting: number,
    /** Most bytes kept, estimated. @defaultValue 32 MiB */
    maxBytes = 32 * 1024 * 1024,
  ) {
    this.cache = new LRUCache({
      maxSize: maxBytes,
      sizeCalculation: (_doc, text) => Math.max(1, text.length * 2 * (1 + AST_FACTOR)),
    });
  }

  /** The document of `text`, or the errors that refuse it. */
  get(text: string): DocumentNode | readonly GraphQLError[] {
    const hit = this.cache.get(text);
    if (hit) return hit;
    try {
      if (nestingDepth(text) > this.maxNesting) {
        return [new GraphQLError(nestingMessage(this.maxNesting))];
      }
      const doc = parse(text);
      const errors = validate(this.schema, doc, [...specifiedRules, ...this.rules]);
      if (errors.length) return errors;
      this.cache.set(text, doc);
      return doc;
    } catch (err) {
      return [err instanceof GraphQLError ? err : new GraphQLError(String(err))];
    }
  }

  /** Estimated bytes held. */
  get bytes(): number {
    return this.cache.calculatedSize;
  }

  /** Documents held. */
  get size(): number {
    return this.cache.size;
  }
}
