import { Field, Int, ObjectType } from 'type-graphql';

@ObjectType('PendingActivity')
export class PendingActivityType {
  @Field(() => String) activityId: string;
  @Field(() => String) activityType: string;
  @Field(() => Int) attempt: number;
  @Field(() => String) state: string;
  @Field(() => String, { nullable: true }) lastFailure?: string | null;
}

@ObjectType('WorkflowExecution')
export class WorkflowExecutionType {
  @Field(() => String) workflowId: string;
  @Field(() => String, { nullable: true }) runId?: string | null;
  @Field(() => String) workflowType: string;
  @Field(() => String) taskQueue: string;
  @Field(() => String, {
    description: "Temporal's own execution status, e.g. RUNNING, COMPLETED, TERMINATED.",
  })
  temporalStatus: string;
  @Field(() => Int, { nullable: true }) historyLength?: number | null;
  @Field(() => [PendingActivityType]) pendingActivities: PendingActivityType[];
}
