import { Field, ID, InputType, ObjectType } from 'type-graphql';
import { DateTimeScalar } from './scalars';

@ObjectType('AuditEntry', {
  description: 'One mutation: who, what, on which ids, when, and how it ended.',
})
export class AuditEntryType {
  @Field(() => ID) id: string;
  @Field(() => DateTimeScalar) at: Date;
  @Field(() => ID, { nullable: true, description: 'Null for the JOBGATE_ADMIN_KEY key.' }) keyId?:
    string | null;
  @Field(() => String) tenant: string;
  @Field(() => String) role: string;
  @Field(() => String, { description: 'The mutation field, e.g. submitJob.' }) operation: string;
  @Field(() => [String]) targetIds: string[];
  @Field(() => String, { description: "'ok' or the error code." }) outcome: string;
  @Field(() => String, { nullable: true }) requestId?: string | null;
}

@InputType('AuditFilter')
export class AuditFilterInput {
  @Field(() => String, { nullable: true }) tenant?: string;
  @Field(() => String, { nullable: true }) operation?: string;
  @Field(() => String, { nullable: true }) outcome?: string;
  @Field(() => ID, { nullable: true }) keyId?: string;
  @Field(() => DateTimeScalar, { nullable: true }) since?: Date;
}
