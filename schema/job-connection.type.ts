import { Field, ObjectType } from 'type-graphql';
import { JobType } from './job.type';

@ObjectType('PageInfo')
export class PageInfoType {
  @Field(() => Boolean) hasNextPage: boolean;
  @Field(() => String, { nullable: true }) endCursor?: string | null;
}

@ObjectType('JobEdge')
export class JobEdgeType {
  @Field(() => String) cursor: string;
  @Field(() => JobType) node: JobType;
}

/** `totalCount` is a field resolver so the count runs only when asked for. */
@ObjectType('JobConnection')
export class JobConnectionType {
  @Field(() => [JobEdgeType]) edges: JobEdgeType[];
  @Field(() => PageInfoType) pageInfo: PageInfoType;
}
