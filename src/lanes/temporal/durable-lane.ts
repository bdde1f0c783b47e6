import type { Lane, WorkflowControl } from '../lane';
import type { ScheduleEngine } from '../schedule-engine';

/** The durable lane: a Lane whose jobs are workflows. The Temporal implementation lives beside this file. */
export interface DurableLane extends Lane {
  readonly workflows: WorkflowControl;
  /** The engine's schedules (Temporal Schedules). */
  schedules?(): ScheduleEngine;
}
