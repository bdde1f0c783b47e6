import type { Backend } from './enums';

/** A JSON Schema object, as accepted by ajv. */
export type JsonSchema = Record<string, unknown>;

/** One registered job type. The single place for its name, lane, queue, schema and policies. */
export interface JobTypeDefinition {
  name: string;
  description: string;
  /** Backend AUTO routing picks when the submission gives no hint. */
  defaultBackend: Backend;
  /** BullMQ queue name and Temporal task queue suffix. @defaultValue 'default' */
  queue: string;
  inputSchema: JsonSchema;
  /** @defaultValue 3 */
  maxAttempts: number;
  /** Base delay of exponential backoff between attempts, ms (jitter added). */
  backoffMs: number;
  /** Longest one attempt may run, ms. */
  timeoutMs: number;
  /** Signals a TEMPORAL job of this type accepts. */
  signals: string[];
  /** JSON Schema every signal payload of this type must satisfy. @defaultValue {} (anything) */
  signalPayloadSchema: JsonSchema;
  /** Temporal query names this type answers. */
  queries: string[];
  /**
   * Set for types that only exist as a Temporal workflow (approval, saga, batch):
   * they have no processor and cannot run on BULLMQ.
   */
  workflowOnly: boolean;
  /** Input fields that VIEWERs see masked. */
  sensitiveFields: string[];
}
