import { createHash } from 'node:crypto';
import { Backend } from '../model/enums';
import type { JsonSchema, JobTypeRegistration } from '../model/job-type';
import { DefinitionError } from './definition-error';
import { DEFINITION } from './definition-types';
import type { JobDefinition, SchemaLike, WorkflowDefinition } from './definition-types';
import { toJsonSchema } from './json-schema';
import { FLOW_OPTIONS, flowControlProblem } from '../model/flow-control';
import type { FlowControl } from '../model/flow-control';

/** Defaults of `defineJob`, as the contract states them. */
export const JOB_DEFAULTS = {
  queue: 'default',
  lane: Backend.BULLMQ,
  maxAttempts: 3,
  backoffMs: 1000,
  timeoutMs: 30_000,
} as const;

/** Defaults of `defineWorkflow` where they differ from a job's. */
export const WORKFLOW_DEFAULTS = {
  maxAttempts: 1,
  timeoutMs: 30 * 24 * 3_600_000,
} as const;

/** The JSON Schema of one of `name`'s schemas; a DefinitionError naming type and field otherwise. */
function schemaOf(name: string, field: string, schema: SchemaLike | undefined): JsonSchema {
  try {
    return toJsonSchema(schema);
  } catch (err) {
    throw new DefinitionError(name, field, (err as Error).message);
  }
}

/**
 * The flow-control options of a definition, copied field by field; a DefinitionError naming
 * the type and option when a key path is not a declared field of the input schema.
 */
function flowControlOf(name: string, o: FlowControl, inputSchema: JsonSchema): FlowControl {
  const fc: FlowControl = {};
  for (const option of FLOW_OPTIONS)
    if (o[option] !== undefined) (fc as Record<string, unknown>)[option] = { ...o[option] };
  const problem = flowControlProblem(fc, inputSchema);
  if (problem) throw new DefinitionError(name, null, problem);
  return fc;
}

/** What a worker registers for a definition: every default filled in, schemas as JSON Schema. */
export function toRegistration(
  def: JobDefinition | WorkflowDefinition,
): JobTypeRegistration & { flowControl: FlowControl } {
  const o = def.options;
  const common = {
    name: def.name,
    description: o.description ?? '',
    queue: o.queue ?? JOB_DEFAULTS.queue,
    inputSchema: schemaOf(def.name, 'input', o.input),
    sensitiveFields: [...(o.sensitive ?? [])],
  };
  const flowControl = flowControlOf(def.name, o, common.inputSchema);
  if (def[DEFINITION] === 'job') {
    const j = (def as JobDefinition).options;
    return {
      ...common,
      defaultBackend: j.lane === 'TEMPORAL' ? Backend.TEMPORAL : Backend.BULLMQ,
      maxAttempts: j.maxAttempts ?? JOB_DEFAULTS.maxAttempts,
      backoffMs: j.backoffMs ?? JOB_DEFAULTS.backoffMs,
      timeoutMs: j.timeoutMs ?? JOB_DEFAULTS.timeoutMs,
      signals: [],
      signalSchemas: {},
      queries: [],
      workflowOnly: false,
      workflowName: null,
      flowControl,
    };
  }
  const w = (def as WorkflowDefinition).options;
  const signalSchemas: Record<string, JsonSchema> = {};
  for (const [signal, schema] of Object.entries(w.signals ?? {}))
    signalSchemas[signal] = schemaOf(def.name, `signals.${signal}`, schema);
  return {
    ...common,
    defaultBackend: Backend.TEMPORAL,
    maxAttempts: w.maxAttempts ?? WORKFLOW_DEFAULTS.maxAttempts,
    backoffMs: JOB_DEFAULTS.backoffMs,
    timeoutMs: w.timeoutMs ?? WORKFLOW_DEFAULTS.timeoutMs,
    signals: Object.keys(signalSchemas),
    signalSchemas,
    queries: [...(w.queries ?? [])],
    workflowOnly: true,
    workflowName: w.workflowName,
    flowControl,
  };
}

/** JSON with object keys sorted at every level: the same definition always gives the same text. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** The version of a registration: the first 16 hex digits of the sha256 of its canonical JSON. */
export const definitionVersion = (reg: JobTypeRegistration): string =>
  createHash('sha256').update(canonical(reg)).digest('hex').slice(0, 16);
