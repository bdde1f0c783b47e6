import { Field, Int, ObjectType } from 'type-graphql';
import { Backend } from './enums';

@ObjectType('QueueStats')
export class QueueStatsType {
  @Field(() => String) name: string;
  @Field(() => Backend) backend: Backend;
  @Field(() => Boolean) paused: boolean;
  @Field(() => Int) waiting: number;
  @Field(() => Int) active: number;
  @Field(() => Int) delayed: number;
  @Field(() => Int) completed: number;
  @Field(() => Int) failed: number;
}
