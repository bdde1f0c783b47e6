import { DEFINITION } from './definition-types';
import type {
  InferInput,
  JobDefinition,
  JobOptions,
  QueueDefinition,
  QueueOptions,
  SchemaLike,
  WorkflowDefinition,
  WorkflowOptions,
} from './definition-types';
import { checkedName, DefinitionChecks, MAX_TIMER_MS, QUEUE_NAME } from './define-checks';
import { checkSchedules } from './schedule-options';

/** Checks shared by jobs and workflows. */
function checkCommon(c: DefinitionChecks, o: Partial<JobOptions<SchemaLike | undefined>>): void {
  c.text('description', o.description);
  c.schema('input', o.input);
  c.queue('queue', o.queue);
  c.integer('maxAttempts', o.maxAttempts);
  c.strings('sensitive', o.sensitive);
}

/**
 * A job type whose code is `run`: it runs on either lane (a BullMQ job or a Temporal
 * activity). With a zod `input` schema, `run`'s input is typed from it; the worker validates
 * every input against the schema before `run` sees it.
 */
export function defineJob<S extends SchemaLike | undefined = undefined, O = unknown>(
  options: JobOptions<S, O>,
): JobDefinition<InferInput<S>, O> {
  const name = checkedName(options, 'job type');
  const c = new DefinitionChecks(name, 'job type');
  checkCommon(c, options as Partial<JobOptions<SchemaLike | undefined>>);
  if (options.lane !== undefined && options.lane !== 'BULLMQ' && options.lane !== 'TEMPORAL')
    c.fail('lane', `must be 'BULLMQ' or 'TEMPORAL' (got ${JSON.stringify(options.lane)})`);
  c.integer('backoffMs', options.backoffMs, 0);
  // A BullMQ attempt's limit is a Node timer.
  c.integer('timeoutMs', options.timeoutMs, 1, MAX_TIMER_MS);
  checkSchedules(c, options.schedules);
  if (typeof options.run !== 'function') c.fail('run', 'must be a function');
  return Object.freeze({
    [DEFINITION]: 'job' as const,
    name,
    options: Object.freeze({ ...options }) as JobOptions<SchemaLike | undefined, O>,
  });
}

/** Limits of a queue: every worker that serves one of its types applies them. */
export function defineQueue(options: QueueOptions): QueueDefinition {
  const name = checkedName(options, 'queue', QUEUE_NAME);
  const c = new DefinitionChecks(name, 'queue');
  c.integer('concurrency', options.concurrency);
  c.integer('globalConcurrency', options.globalConcurrency);
  const rate = options.rateLimit;
  if (rate !== undefined) {
    if (rate === null || typeof rate !== 'object')
      c.fail('rateLimit', 'must be { max, durationMs }');
    c.integer('rateLimit.max', rate.max ?? null);
    c.integer('rateLimit.durationMs', rate.durationMs ?? null);
  }
  return Object.freeze({ ...options, name, [DEFINITION]: 'queue' as const });
}

/**
 * A TEMPORAL-only job type whose code is a Temporal workflow: the export `workflowName` of
 * the module at `workflowsPath`, written with `jobgate/workflow` and called with `(input)`.
 */
export function defineWorkflow<S extends SchemaLike | undefined = undefined>(
  options: WorkflowOptions<S>,
): WorkflowDefinition<InferInput<S>> {
  const name = checkedName(options, 'job type');
  const c = new DefinitionChecks(name, 'job type');
  checkCommon(c, options as Partial<JobOptions<SchemaLike | undefined>>);
  c.integer('timeoutMs', options.timeoutMs);
  c.absolutePath('workflowsPath', options.workflowsPath);
  c.identifier('workflowName', options.workflowName);
  const signals = options.signals;
  if (signals !== undefined) {
    if (signals === null || typeof signals !== 'object' || Array.isArray(signals))
      c.fail('signals', 'must be an object of signal name -> payload schema');
    for (const [signal, schema] of Object.entries(signals)) {
      if (signal === '') c.fail('signals', 'has an empty signal name');
      c.schema(`signals.${signal}`, schema);
    }
  }
  c.strings('queries', options.queries);
  c.functions('activities', options.activities);
  checkSchedules(c, options.schedules);
  return Object.freeze({
    [DEFINITION]: 'workflow' as const,
    name,
    options: Object.freeze({ ...options }) as WorkflowOptions<SchemaLike | undefined>,
  });
}
