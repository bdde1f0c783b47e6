import { registerEnumType } from 'type-graphql';
import {
  Backend,
  BackendChoice,
  JobEventType,
  JobStatus,
  Priority,
  Role,
} from '../src/model/enums';
import { OverlapPolicy } from '../src/model/schedule';

registerEnumType(Backend, { name: 'Backend', description: 'Where a job runs.' });
registerEnumType(BackendChoice, {
  name: 'BackendChoice',
  description: 'How submitJob picks a backend. AUTO applies the routing policy.',
});
registerEnumType(Priority, { name: 'Priority' });
registerEnumType(JobStatus, {
  name: 'JobStatus',
  valuesConfig: {
    QUEUED: { description: 'Accepted, waiting for a worker.' },
    DELAYED: { description: 'Scheduled for later, or backing off before a retry.' },
    WAITING: { description: 'A workflow blocked on a signal, e.g. a human approval.' },
    FAILED: {
      description: 'Attempts exhausted; the job sits in the dead-letter set until retried.',
    },
  },
});
registerEnumType(JobEventType, { name: 'JobEventType' });
registerEnumType(Role, {
  name: 'Role',
  valuesConfig: {
    VIEWER: { description: 'Queries and subscriptions within its tenant.' },
    OPERATOR: { description: 'VIEWER plus submit, cancel, retry, signal within its tenant.' },
    ADMIN: { description: 'Everything, in every tenant, plus queues and API keys.' },
  },
});

registerEnumType(OverlapPolicy, {
  name: 'OverlapPolicy',
  description: 'What a schedule does when a run is due while its previous job is still running.',
  valuesConfig: {
    SKIP: { description: 'Drop the due run.' },
    BUFFER_ONE: {
      description: 'Keep one due run and start it when the previous job finishes.',
    },
    ALLOW_ALL: { description: 'Start every due run.' },
  },
});

export { Backend, BackendChoice, JobEventType, JobStatus, OverlapPolicy, Priority, Role };
