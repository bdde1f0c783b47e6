import { Field, InputType, registerEnumType } from 'type-graphql';
import { ChildFailurePolicy } from '../src/model/flow';
import { SubmitJobInput } from './submit-job.input';

registerEnumType(ChildFailurePolicy, {
  name: 'ChildFailurePolicy',
  description: "What a child's final failure does to its parent.",
  valuesConfig: {
    FAIL_PARENT: { description: 'The parent ends FAILED without running (the default).' },
    IGNORE: { description: 'The parent runs anyway; ctx.children() shows the failed child.' },
  },
});

@InputType('FlowNodeInput', {
  description: 'One node of a flow: its job runs after all its children have finished.',
})
export class FlowNodeInput {
  @Field(() => SubmitJobInput) job: SubmitJobInput;
  @Field(() => [FlowNodeInput], { nullable: true }) children?: FlowNodeInput[] | null;
  @Field(() => ChildFailurePolicy, {
    nullable: true,
    defaultValue: ChildFailurePolicy.FAIL_PARENT,
    description: "How this node's failure affects its parent.",
  })
  onFailure?: ChildFailurePolicy | null;
}

export { ChildFailurePolicy };
