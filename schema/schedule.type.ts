import { Field, ID, Int, ObjectType } from 'type-graphql';
import { Backend, OverlapPolicy, Priority } from './enums';
import { DateTimeScalar } from './scalars';

@ObjectType('Schedule')
export class ScheduleType {
  @Field(() => ID) id: string;
  @Field(() => String, { description: 'Job type of every run.' }) type: string;
  @Field(() => Backend) backend: Backend;
  @Field(() => Priority) priority: Priority;
  @Field(() => String, {
    nullable: true,
    description: 'Cron expression (5 fields, or 6 with seconds); null for an interval schedule.',
  })
  cron?: string | null;
  @Field(() => Int, {
    nullable: true,
    description: 'Interval between runs, ms; null for a cron schedule.',
  })
  everyMs?: number | null;
  @Field(() => String, { description: 'IANA zone the cron expression is read in.' })
  timezone: string;
  @Field(() => OverlapPolicy) overlap: OverlapPolicy;
  @Field(() => Boolean) paused: boolean;
  @Field(() => String, { nullable: true, description: 'Why it was paused.' }) note?: string | null;
  @Field(() => DateTimeScalar, { nullable: true }) startAt?: Date | null;
  @Field(() => DateTimeScalar, { nullable: true }) endAt?: Date | null;
  @Field(() => DateTimeScalar) createdAt: Date;
}
