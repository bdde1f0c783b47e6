import { Field, Float, ID, Int, ObjectType } from 'type-graphql';
import { Backend, JobEventType } from './enums';
import { DateTimeScalar, JSONScalar } from './scalars';

@ObjectType('JobEvent', { description: 'One entry of the unified event bus, from either backend.' })
export class JobEventObject {
  @Field(() => ID, {
    description:
      'Opaque, strictly increasing in bus order. Pass it as `after` to resume without a gap or a duplicate.',
  })
  id: string;
  @Field(() => Backend) source: Backend;
  @Field(() => JobEventType) type: JobEventType;
  @Field(() => ID) jobId: string;
  @Field(() => String) jobType: string;
  @Field(() => String) queue: string;
  @Field(() => String, { nullable: true }) workflowId?: string | null;
  @Field(() => String, { nullable: true }) activityId?: string | null;
  @Field(() => Int, { nullable: true }) attempt?: number | null;
  @Field(() => Float, { nullable: true, description: '0 to 100, on PROGRESS events.' }) progress?:
    number | null;
  @Field(() => String, { nullable: true }) message?: string | null;
  @Field(() => JSONScalar, { nullable: true }) meta?: Record<string, unknown> | null;
  @Field(() => DateTimeScalar) timestamp: Date | string;
}
