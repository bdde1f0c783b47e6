import { AuditResolver } from './audit.resolver';
import { AuthResolver } from './auth.resolver';
import { ControlResolver } from './control.resolver';
import { EventResolver } from './event.resolver';
import { JobConnectionResolver, JobResolver } from './job.resolver';
import { QueueResolver } from './queue.resolver';

export const resolvers = [
  JobResolver,
  JobConnectionResolver,
  EventResolver,
  ControlResolver,
  QueueResolver,
  AuthResolver,
  AuditResolver,
] as const;
