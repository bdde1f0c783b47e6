import { Field, ID, InputType, Int } from 'type-graphql';
import { BackendChoice, OverlapPolicy, Priority } from './enums';
import { DateTimeScalar, JSONScalar } from './scalars';

@InputType('ScheduleInput')
export class ScheduleInputType {
  @Field(() => ID, {
    nullable: true,
    description: 'Omitted: a new id. Given: creates or replaces that schedule.',
  })
  id?: string | null;
  @Field(() => String) type: string;
  @Field(() => JSONScalar, { nullable: true }) input?: unknown;
  @Field(() => BackendChoice, { nullable: true, defaultValue: BackendChoice.AUTO })
  backend?: BackendChoice | null;
  @Field(() => Priority, { nullable: true, defaultValue: Priority.NORMAL })
  priority?: Priority | null;
  @Field(() => String, { nullable: true, description: 'Exactly one of cron and everyMs.' })
  cron?: string | null;
  @Field(() => Int, { nullable: true }) everyMs?: number | null;
  @Field(() => String, { nullable: true, defaultValue: 'UTC' }) timezone?: string | null;
  @Field(() => OverlapPolicy, { nullable: true, defaultValue: OverlapPolicy.SKIP })
  overlap?: OverlapPolicy | null;
  @Field(() => DateTimeScalar, { nullable: true }) startAt?: Date | null;
  @Field(() => DateTimeScalar, { nullable: true }) endAt?: Date | null;
  @Field(() => Boolean, { nullable: true, defaultValue: false }) paused?: boolean | null;
}
