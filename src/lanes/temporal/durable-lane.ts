import type { Lane, WorkflowControl } from '../lane';
import type { ScheduleEngine } from '../schedule-engine';
import type { FlowLane } from '../flow-lane';

/** The durable lane: a Lane whose jobs are workflows. The Temporal implementation lives beside this file. */
export interface DurableLane extends Lane, WorkflowControl {
  readonly workflows: WorkflowControl;
  /** The engine's schedules (Temporal Schedules). */
  schedules?(): ScheduleEngine;
  /** Flows on this lane; absent where the lane runs none. */
  flows?(): FlowLane;
}
