import { Field, ID, InputType } from 'type-graphql';
import { Backend, JobEventType, JobStatus } from './enums';
import { DateTimeScalar } from './scalars';

@InputType('JobFilter')
export class JobFilterInput {
  @Field(() => [ID], { nullable: true }) ids?: string[];
  @Field(() => [String], { nullable: true }) types?: string[];
  @Field(() => [Backend], { nullable: true }) backends?: Backend[];
  @Field(() => [JobStatus], { nullable: true }) statuses?: JobStatus[];
  @Field(() => String, { nullable: true }) queue?: string;
  @Field(() => DateTimeScalar, { nullable: true }) createdAfter?: Date;
  @Field(() => DateTimeScalar, { nullable: true }) createdBefore?: Date;
  @Field(() => [ID], { nullable: true }) scheduleIds?: string[];
  @Field(() => ID, { nullable: true, description: 'Children of this job (flows).' })
  parentId?: string;
}

@InputType('JobEventFilter')
export class JobEventFilterInput {
  @Field(() => ID, { nullable: true }) jobId?: string;
  @Field(() => [JobEventType], { nullable: true }) types?: JobEventType[];
  @Field(() => [Backend], { nullable: true }) backends?: Backend[];
  @Field(() => String, { nullable: true }) queue?: string;
}
