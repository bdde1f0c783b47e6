import { Field, Int, ObjectType } from 'type-graphql';

@ObjectType('KeyedConcurrency', {
  description: 'At most `limit` attempts of one key at once, across every worker.',
})
export class KeyedConcurrencyType {
  @Field(() => String, { description: 'Where the key is in the input, such as `input.accountId`.' })
  key: string;
  @Field(() => Int) limit: number;
}

@ObjectType('KeyedRateLimit', { description: 'At most `max` starts of one key per `perMs`.' })
export class KeyedRateLimitType {
  @Field(() => String) key: string;
  @Field(() => Int) max: number;
  @Field(() => Int) perMs: number;
}

@ObjectType('KeyedDebounce', {
  description:
    'A job waits `ms`; a later submission of its key meanwhile replaces it (the earlier ends CANCELLED) and waits again.',
})
export class KeyedDebounceType {
  @Field(() => String) key: string;
  @Field(() => Int) ms: number;
}

@ObjectType('KeyedDeduplication', {
  description:
    'A submission whose key matches a job accepted within `ttlMs` (null: one not finished) returns that job.',
})
export class KeyedDeduplicationType {
  @Field(() => String) key: string;
  @Field(() => Int, { nullable: true }) ttlMs?: number | null;
}

@ObjectType('FlowControl', {
  description: "A job type's per-key flow control; null options are off.",
})
export class FlowControlType {
  @Field(() => KeyedConcurrencyType, { nullable: true }) concurrency?: KeyedConcurrencyType;
  @Field(() => KeyedRateLimitType, { nullable: true }) rateLimit?: KeyedRateLimitType;
  @Field(() => KeyedDebounceType, { nullable: true }) debounce?: KeyedDebounceType;
  @Field(() => KeyedDeduplicationType, { nullable: true }) deduplicate?: KeyedDeduplicationType;
}

@ObjectType('FlowKey', {
  description: 'The key one flow-control option of a job took from its input.',
})
export class FlowKeyType {
  @Field(() => String, { description: '`concurrency`, `rateLimit`, `debounce` or `deduplicate`.' })
  option: string;
  @Field(() => String, { description: 'The input path, such as `input.accountId`.' })
  path: string;
  @Field(() => String, { description: 'The value the job ran under.' })
  value: string;
}
