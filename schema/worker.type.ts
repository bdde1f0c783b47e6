import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { WorkerStatus } from '../src/model/worker-info';
import { Backend } from './enums';
import { DateTimeScalar } from './scalars';

registerEnumType(WorkerStatus, {
  name: 'WorkerStatus',
  valuesConfig: {
    STOPPING: {
      description: 'Graceful shutdown under way: takes no new jobs, finishes its active ones.',
    },
    LOST: { description: 'No heartbeat for 15 s.' },
  },
});

@ObjectType('Worker', { description: 'A worker process, as its heartbeats describe it.' })
export class WorkerType {
  @Field(() => ID) id: string;
  @Field(() => String) host: string;
  @Field(() => Int) pid: number;
  @Field(() => [Backend]) lanes: Backend[];
  @Field(() => [String]) queues: string[];
  @Field(() => [String], { description: 'Types this worker serves with the registered version.' })
  jobTypes: string[];
  @Field(() => [String], {
    description: 'Types this worker serves with a version other than the registered one.',
  })
  outdatedJobTypes: string[];
  @Field(() => Int, {
    description: "Attempts it may run at once: each queue's slots on each lane it serves.",
  })
  concurrency: number;
  @Field(() => Int) activeJobs: number;
  @Field(() => DateTimeScalar) startedAt: Date;
  @Field(() => DateTimeScalar) lastHeartbeatAt: Date;
  @Field(() => WorkerStatus) status: WorkerStatus;
}

export { WorkerStatus };
