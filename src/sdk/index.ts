/**
 * `jobgate`: what a project that brings its own jobs imports. Definitions (`defineJob`,
 * `defineQueue`, `defineWorkflow`), the errors a job may throw, activity helpers, and
 * `startWorker`. Workflow code imports `jobgate/workflow` instead.
 */
export { defineJob, defineQueue, defineWorkflow } from './define';
export { DefinitionError } from './definition-error';
export { JobModuleError } from './job-module-error';
export { JobCancelledError, NonRetryableError } from '../model/processor';
export { activityContext, heartbeat } from './activity';
export { startWorker } from './start-worker';
export type { StartWorkerOptions } from './start-worker';
export { DEFINITION } from './definition-types';
export type {
  ChildOutcome,
  Definition,
  InferInput,
  JobContext,
  JobDefinition,
  JobOptions,
  QueueDefinition,
  QueueOptions,
  SchemaLike,
  WorkflowDefinition,
  WorkflowOptions,
  ZodLike,
} from './definition-types';
export type { JsonSchema } from '../model/job-type';
export type { JobScheduleOptions } from './schedule-options';
