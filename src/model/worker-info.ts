import type { Backend } from './enums';

/** How a worker process stands, from its heartbeats. */
export enum WorkerStatus {
  ACTIVE = 'ACTIVE',
  /** Graceful shutdown under way: takes no new jobs, finishes its active ones. */
  STOPPING = 'STOPPING',
  /** No heartbeat for `WORKER_LOST_AFTER_MS` (15 s). */
  LOST = 'LOST',
}

/** What a worker says of itself in each heartbeat. */
export interface WorkerHeartbeat {
  id: string;
  host: string;
  pid: number;
  lanes: Backend[];
  queues: string[];
  /**
   * Served types with the version this worker runs, by name: those whose queue it works on a
   * lane that can run them (a workflow type only on TEMPORAL), not every type it registered.
   */
  types: Record<string, string>;
  /** Attempts it may run at once: each served queue's slots, counted on each lane serving it. */
  concurrency: number;
  activeJobs: number;
  startedAt: Date;
  /** True once a graceful shutdown started. */
  stopping: boolean;
}

/** A worker as `workers` lists it. */
export interface WorkerInfo extends Omit<WorkerHeartbeat, 'types' | 'stopping'> {
  /** Types served with the registered version. */
  jobTypes: string[];
  /** Types served with another version than the registered one. */
  outdatedJobTypes: string[];
  lastHeartbeatAt: Date;
  status: WorkerStatus;
}
