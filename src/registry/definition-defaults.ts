import { Backend } from '../model/enums';
import type { JobTypeDefinition, JsonSchema } from '../model/job-type';
import type { StoredJobType } from '../store/job-type-store';

const list = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : [];

const schemaOf = (v: unknown): JsonSchema =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as JsonSchema) : {};

/**
 * A stored registration as a full definition: fields a worker left out (an older SDK, say) get
 * the defaults JobTypeDefinition documents, so every reader sees the same complete shape.
 */
export function definitionOf(s: StoredJobType): JobTypeDefinition {
  const d = s.definition;
  const signalSchemas = (d.signalSchemas ?? {}) as Record<string, JsonSchema>;
  return {
    name: s.name,
    description: d.description ?? '',
    defaultBackend: d.defaultBackend === Backend.TEMPORAL ? Backend.TEMPORAL : Backend.BULLMQ,
    queue: d.queue || 'default',
    inputSchema: schemaOf(d.inputSchema),
    maxAttempts: d.maxAttempts ?? 3,
    backoffMs: d.backoffMs ?? 1000,
    timeoutMs: d.timeoutMs ?? 30_000,
    signals: d.signals ? list(d.signals) : Object.keys(signalSchemas),
    signalSchemas,
    queries: list(d.queries),
    workflowOnly: d.workflowOnly ?? false,
    workflowName: d.workflowName ?? null,
    sensitiveFields: list(d.sensitiveFields),
    flowControl:
      d.flowControl && typeof d.flowControl === 'object' && !Array.isArray(d.flowControl)
        ? (d.flowControl as JobTypeDefinition['flowControl'])
        : {},
    version: s.version,
    registeredAt: new Date(s.registeredAt),
  };
}
