import { Field, InputType, Int } from 'type-graphql';
import { BackendChoice, Priority } from './enums';
import { JSONScalar } from './scalars';

@InputType('SubmitJobInput')
export class SubmitJobInput {
  @Field(() => String) type: string;
  @Field(() => JSONScalar, { nullable: true }) input?: unknown;
  @Field(() => BackendChoice, { nullable: true, defaultValue: BackendChoice.AUTO })
  backend?: BackendChoice | null;
  @Field(() => Priority, { nullable: true, defaultValue: Priority.NORMAL })
  priority?: Priority | null;
  @Field(() => Int, { nullable: true }) delayMs?: number | null;
  @Field(() => Int, { nullable: true }) maxAttempts?: number | null;
  @Field(() => Int, {
    nullable: true,
    description:
      'Routing hints: over 30 s, more than one step, or compensation needed go to TEMPORAL.',
  })
  estimatedDurationSeconds?: number | null;
  @Field(() => Int, { nullable: true }) stepCount?: number | null;
  @Field(() => Boolean, { nullable: true }) requiresCompensation?: boolean | null;
  @Field(() => String, {
    nullable: true,
    description: 'A key already used in this tenant returns the existing job instead of a new one.',
  })
  idempotencyKey?: string | null;
}
