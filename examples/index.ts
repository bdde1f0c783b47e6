/**
 * jobgate's demo types: what `jobgate start` and `jobgate worker` serve when no `--jobs` is
 * given, and a model for a project's own.
 */
import { defineWorkflow } from 'jobgate';
import { batchItem, sagaCompensate, sagaStep } from './activities';

export { charge, echo, fail, flaky, sleep } from './jobs';

/** The module Temporal bundles for these workflows. */
const workflowsPath = require.resolve('./workflows');

const decision = {
  type: 'object',
  properties: { by: { type: 'string', minLength: 1 }, comment: { type: 'string' } },
  required: ['by'],
  additionalProperties: false,
};

export const approval = defineWorkflow({
  name: 'approval',
  description:
    'Waits for a person: signal `approve` or `reject` with `{by, comment?}`; fails after `timeoutSeconds`.',
  input: {
    type: 'object',
    properties: { timeoutSeconds: { type: 'integer', minimum: 1, maximum: 30 * 24 * 3600 } },
    additionalProperties: false,
  },
  maxAttempts: 1,
  timeoutMs: 30 * 24 * 3_600_000,
  workflowsPath,
  workflowName: 'approval',
  signals: { approve: decision, reject: decision },
  queries: ['state'],
});

export const saga = defineWorkflow({
  name: 'saga',
  description:
    'Runs `steps` in order; when step `failAt` fails, compensates the completed steps in reverse order.',
  input: {
    type: 'object',
    properties: {
      steps: { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1, maxItems: 100 },
      failAt: { type: 'string' },
      stepMs: { type: 'integer', minimum: 0, maximum: 600_000 },
    },
    required: ['steps'],
    additionalProperties: false,
  },
  maxAttempts: 3,
  timeoutMs: 3_600_000,
  workflowsPath,
  workflowName: 'saga',
  queries: ['state'],
  activities: { sagaStep, sagaCompensate },
});

export const batch = defineWorkflow({
  name: 'batch',
  description: 'Processes `items` in parallel activities with bounded `concurrency`.',
  input: {
    type: 'object',
    properties: {
      items: { type: 'array', maxItems: 10_000 },
      concurrency: { type: 'integer', minimum: 1, maximum: 100 },
    },
    required: ['items'],
    additionalProperties: false,
  },
  maxAttempts: 3,
  timeoutMs: 3_600_000,
  workflowsPath,
  workflowName: 'batch',
  queries: ['state'],
  activities: { batchItem },
});
