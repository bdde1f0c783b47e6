import { AuditResolver } from './audit.resolver';
import { AuthResolver } from './auth.resolver';
import { ControlResolver } from './control.resolver';
import { EventResolver, JobEventFieldResolver } from './event.resolver';
import { FlowResolver } from './flow.resolver';
import { JobConnectionResolver, JobResolver } from './job.resolver';
import { QueueResolver } from './queue.resolver';
import { ScheduleResolver } from './schedule.resolver';
import { JobLogsResolver, JobTypeInfoResolver, RegistryResolver } from './registry.resolver';

export const resolvers = [
  JobResolver,
  JobConnectionResolver,
  EventResolver,
  JobEventFieldResolver,
  ControlResolver,
  QueueResolver,
  AuthResolver,
  AuditResolver,
  RegistryResolver,
  JobLogsResolver,
  JobTypeInfoResolver,
  ScheduleResolver,
  FlowResolver,
] as const;
