import type DataLoader from 'dataloader';
import type { Logger } from 'pino';
import type { AuditStore } from '../store/audit-store';
import type { KeyStore } from '../auth/key-store';
import type { Principal } from '../auth/principal';
import type { EventFeed } from '../projection/event-feed';
import type { JobEvent } from '../model/job-event';
import type { JobService } from '../jobs/job-service';
import type { RegistryService } from '../jobs/registry-service';
import type { ScheduleService } from '../jobs/schedule-service';
import type { JobLogLine } from '../model/job-log-line';
import type { JobRecord } from '../model/job-record';
import type { WorkflowInfo } from '../model/workflow-info';

/** The long-lived services every request uses. */
export interface Services {
  jobs: JobService;
  keys: KeyStore;
  feed: EventFeed;
  /** Absent only in processes that serve no mutations. */
  audit?: AuditStore;
  /** Registered job types, workers and job logs; absent where no registry is open. */
  registry?: RegistryService;
  /** Schedules of both lanes; absent where no schedule service is open. */
  schedules?: ScheduleService;
}

/** Per-request loaders: nested fields cost a constant number of queries per request. */
export interface Loaders {
  /** Key: `${jobId}|${first}|${after ?? ''}`. */
  events: DataLoader<string, JobEvent[]>;
  workflow: DataLoader<JobRecord, WorkflowInfo | null>;
  /** Key: `${jobId}|${first}|${after ?? ''}`; absent without a registry service. */
  logs?: DataLoader<string, JobLogLine[]>;
  /** Jobs by id within the caller's tenant (a flow node's parent); absent ones are null. */
  jobById?: DataLoader<string, JobRecord | null>;
  /** A job's children within the caller's tenant, oldest first. */
  children?: DataLoader<string, JobRecord[]>;
  /** Each job's masked paths (VIEWERs' event meta). */
  maskedPaths: DataLoader<string, string[]>;
}

export interface GraphContext {
  principal: Principal;
  services: Services;
  loaders: Loaders;
  /** Starts the loaders over: a long-lived subscription reads fresh rows on each push. */
  freshLoaders?(): void;
  requestId: string;
  log: Logger;
}
