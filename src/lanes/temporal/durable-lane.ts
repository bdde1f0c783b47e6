import type { JobStatus } from '../../model/enums';
import type { JobRecord } from '../../model/job-record';
import type { WorkflowInfo } from '../../model/workflow-info';
import type { Lane } from '../lane';
import type { ScheduleEngine } from '../schedule-engine';
import type { FlowLane } from '../flow-lane';

/** The durable lane: a Lane plus what only workflows do. The Temporal implementation lives beside this file. */
export interface DurableLane extends Lane {
  terminate(job: JobRecord, reason: string): Promise<JobStatus>;
  signal(job: JobRecord, name: string, payload: unknown): Promise<void>;
  query(job: JobRecord, name: string, args: unknown): Promise<unknown>;
  describe(jobs: readonly JobRecord[]): Promise<Map<string, WorkflowInfo | null>>;
  /** The engine's schedules (Temporal Schedules). */
  schedules?(): ScheduleEngine;
  /** Flows on this lane; absent where the lane runs none. */
  flows?(): FlowLane;
}
