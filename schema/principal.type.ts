import { Field, ID, ObjectType } from 'type-graphql';
import { Role } from './enums';
import { DateTimeScalar } from './scalars';

@ObjectType('Principal')
export class PrincipalType {
  @Field(() => String) tenant: string;
  @Field(() => Role) role: Role;
  @Field(() => ID, { nullable: true }) keyId?: string | null;
}

@ObjectType('ApiKey')
export class ApiKeyType {
  @Field(() => ID) id: string;
  @Field(() => String) tenant: string;
  @Field(() => Role) role: Role;
  @Field(() => DateTimeScalar) createdAt: Date;
  @Field(() => Boolean, { description: 'True once revokeApiKey has been called for it.' })
  revoked: boolean;
  @Field(() => String, {
    nullable: true,
    description: 'The plaintext key: returned once, by createApiKey, and never stored.',
  })
  secret?: string | null;
}
