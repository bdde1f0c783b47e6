import { Backend } from '../model/enums';
import type { JobTypeDefinition } from '../model/job-type';

type Def = Partial<JobTypeDefinition> &
  Pick<JobTypeDefinition, 'name' | 'description' | 'inputSchema'>;

const define = (d: Def): JobTypeDefinition => ({
  defaultBackend: Backend.BULLMQ,
  queue: 'default',
  maxAttempts: 3,
  backoffMs: 1000,
  timeoutMs: 30_000,
  signals: [],
  signalSchemas: {},
  queries: [],
  workflowOnly: false,
  workflowName: null,
  sensitiveFields: [],
  version: 'builtin',
  registeredAt: new Date(0),
  ...d,
});

const signalPayload = {
  type: 'object',
  properties: { by: { type: 'string', minLength: 1 }, comment: { type: 'string' } },
  required: ['by'],
  additionalProperties: false,
};

/** Every job type jobgate knows, by name. Producers and processors read the same entries. */
export const catalog: Readonly<Record<string, JobTypeDefinition>> = Object.freeze({
  echo: define({
    name: 'echo',
    description: 'Returns its input as the result.',
    inputSchema: {},
    backoffMs: 200,
  }),
  sleep: define({
    name: 'sleep',
    description: 'Sleeps `ms` milliseconds, reporting progress in 10 steps; stops when cancelled.',
    inputSchema: {
      type: 'object',
      properties: { ms: { type: 'integer', minimum: 0, maximum: 3_600_000 } },
      required: ['ms'],
      additionalProperties: false,
    },
    timeoutMs: 3_600_000,
  }),
  flaky: define({
    name: 'flaky',
    description: 'Fails its first `failTimes` attempts, then succeeds.',
    inputSchema: {
      type: 'object',
      properties: { failTimes: { type: 'integer', minimum: 0, maximum: 100 } },
      required: ['failTimes'],
      additionalProperties: false,
    },
    maxAttempts: 5,
    backoffMs: 100,
  }),
  fail: define({
    name: 'fail',
    description: 'Always fails, with `message` when given.',
    inputSchema: {
      type: 'object',
      properties: { message: { type: 'string', maxLength: 10_000 } },
      additionalProperties: false,
    },
    maxAttempts: 2,
    backoffMs: 100,
  }),
  charge: define({
    name: 'charge',
    description:
      'Charges `amount` to `cardToken` (a demo: returns the amount). `cardToken` is sensitive: VIEWERs see it masked.',
    inputSchema: {
      type: 'object',
      properties: {
        amount: { type: 'number', exclusiveMinimum: 0 },
        cardToken: { type: 'string', minLength: 1 },
      },
      required: ['amount', 'cardToken'],
      additionalProperties: false,
    },
    sensitiveFields: ['cardToken'],
  }),
  approval: define({
    name: 'approval',
    description:
      'Waits for a person: signal `approve` or `reject` with `{by, comment?}`; fails after `timeoutSeconds`.',
    defaultBackend: Backend.TEMPORAL,
    workflowOnly: true,
    maxAttempts: 1,
    timeoutMs: 30 * 24 * 3_600_000,
    inputSchema: {
      type: 'object',
      properties: { timeoutSeconds: { type: 'integer', minimum: 1, maximum: 30 * 24 * 3600 } },
      additionalProperties: false,
    },
    signals: ['approve', 'reject'],
    signalSchemas: { approve: signalPayload, reject: signalPayload },
    queries: ['state'],
  }),
  saga: define({
    name: 'saga',
    description:
      'Runs `steps` in order; when step `failAt` fails, compensates the completed steps in reverse order.',
    defaultBackend: Backend.TEMPORAL,
    workflowOnly: true,
    maxAttempts: 3,
    timeoutMs: 3_600_000,
    inputSchema: {
      type: 'object',
      properties: {
        steps: {
          type: 'array',
          items: { type: 'string', minLength: 1 },
          minItems: 1,
          maxItems: 100,
        },
        failAt: { type: 'string' },
        stepMs: { type: 'integer', minimum: 0, maximum: 600_000 },
      },
      required: ['steps'],
      additionalProperties: false,
    },
    queries: ['state'],
  }),
  batch: define({
    name: 'batch',
    description: 'Processes `items` in parallel activities with bounded `concurrency`.',
    defaultBackend: Backend.TEMPORAL,
    workflowOnly: true,
    maxAttempts: 3,
    timeoutMs: 3_600_000,
    inputSchema: {
      type: 'object',
      properties: {
        items: { type: 'array', maxItems: 10_000 },
        concurrency: { type: 'integer', minimum: 1, maximum: 100 },
      },
      required: ['items'],
      additionalProperties: false,
    },
    queries: ['state'],
  }),
});

/** The type named `name`, or undefined. */
export const findJobType = (name: string): JobTypeDefinition | undefined =>
  Object.prototype.hasOwnProperty.call(catalog, name) ? catalog[name] : undefined;

/** Every BullMQ queue some job type uses. */
export const catalogQueues = (): string[] => [
  ...new Set(
    Object.values(catalog)
      .filter((t) => !t.workflowOnly)
      .map((t) => t.queue),
  ),
];
