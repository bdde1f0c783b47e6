import { Field, Int, ObjectType } from 'type-graphql';
import { Backend } from './enums';
import { JSONScalar } from './scalars';

@ObjectType('JobTypeInfo', {
  description: 'A registered job type: what submitJob accepts in `type`.',
})
export class JobTypeInfoType {
  @Field(() => String) name: string;
  @Field(() => Backend, {
    description: 'The backend AUTO routing picks for this type when the input gives no hint.',
  })
  defaultBackend: Backend;
  @Field(() => String) queue: string;
  @Field(() => String) description: string;
  @Field(() => JSONScalar, {
    nullable: true,
    description: 'JSON Schema that `input` must satisfy.',
  })
  inputSchema?: unknown;
  @Field(() => Int) maxAttempts: number;
  @Field(() => [String], { description: 'Signals a TEMPORAL job of this type accepts.' })
  signals: string[];
  @Field(() => [String], {
    description: 'Queries a TEMPORAL job of this type answers (workflowQuery).',
  })
  queries: string[];
  @Field(() => Boolean, { description: 'True for workflow types, which run on TEMPORAL only.' })
  workflowOnly: boolean;
}
