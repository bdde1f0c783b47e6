import { Field, Float, ID, Int, ObjectType } from 'type-graphql';
import { Backend, JobStatus, Priority } from './enums';
import { DateTimeScalar, JSONScalar } from './scalars';

@ObjectType('Job')
export class JobType {
  @Field(() => ID, {
    description: 'One id across the gateway, BullMQ (job id) and Temporal (workflow id).',
  })
  id: string;
  @Field(() => String) type: string;
  @Field(() => Backend) backend: Backend;
  @Field(() => String, {
    description: "Why the router chose the backend, e.g. 'estimatedDurationSeconds 45 > 30'.",
  })
  routingReason: string;
  @Field(() => String, { description: 'BullMQ queue or Temporal task queue.' }) queue: string;
  @Field(() => JobStatus) status: JobStatus;
  @Field(() => Priority) priority: Priority;
  @Field(() => Float, { description: '0 to 100.' }) progress: number;
  @Field(() => Int) attempts: number;
  @Field(() => Int) maxAttempts: number;
  @Field(() => JSONScalar, { nullable: true }) input?: unknown;
  @Field(() => JSONScalar, { nullable: true }) result?: unknown;
  @Field(() => String, { nullable: true }) error?: string | null;
  @Field(() => String, { nullable: true }) idempotencyKey?: string | null;
  @Field(() => DateTimeScalar) createdAt: Date;
  @Field(() => DateTimeScalar, { nullable: true }) startedAt?: Date | null;
  @Field(() => DateTimeScalar, { nullable: true }) finishedAt?: Date | null;
  @Field(() => ID, { nullable: true, description: 'The schedule that started this job, if any.' })
  scheduleId?: string | null;
  /** Internal: the owner; never a field. */
  tenant: string;
}
