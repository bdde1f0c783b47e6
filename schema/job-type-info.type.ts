import { Field, Int, ObjectType } from 'type-graphql';
import { Backend } from './enums';
import { DateTimeScalar, JSONScalar } from './scalars';
import { FlowControlType } from './flow-control.type';

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
  @Field(() => JSONScalar, {
    description:
      "JSON Schema of each signal's payload, by signal name (an empty object for a signal without one).",
  })
  signalSchemas: Record<string, unknown>;
  @Field(() => [String], {
    description:
      'Input paths VIEWERs see masked: a field (`ssn`), a nested one (`card.number`) or one in each element of an array (`items[].secret`); fixed on each job when it is submitted.',
  })
  sensitiveFields: string[];
  @Field(() => [String], {
    description: 'Temporal query names a TEMPORAL job of this type answers.',
  })
  queries: string[];
  @Field(() => Boolean, { description: 'True for workflow types, which run on TEMPORAL only.' })
  workflowOnly: boolean;
  @Field(() => String, {
    description:
      'Hash of the registered definition; changes when a worker registers a different one.',
  })
  version: string;
  @Field(() => Int, { description: 'Live workers serving this type now (any version).' })
  workers: number;
  @Field(() => Int, { description: "One attempt's limit, ms." })
  timeoutMs: number;
  @Field(() => DateTimeScalar, { description: 'When the current definition was registered.' })
  registeredAt: Date;
  @Field(() => FlowControlType, {
    description: 'Per-key concurrency, rate limit, debounce and deduplication.',
  })
  flowControl: FlowControlType;
}
