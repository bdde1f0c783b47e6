import { Field, ID, Int, ObjectType } from 'type-graphql';
import { DateTimeScalar } from './scalars';

@ObjectType('JobLogLine', {
  description: "One line a job's code logged (ctx.log or log() in a workflow).",
})
export class JobLogLineType {
  @Field(() => ID, { description: 'Opaque, increasing within the job; pass as `after` to page.' })
  id: string;
  @Field(() => DateTimeScalar) at: Date;
  @Field(() => Int, { nullable: true }) attempt?: number | null;
  @Field(() => String) line: string;
}
