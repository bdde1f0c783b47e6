import { catalog } from '../../src/catalog/catalog';

/** Every catalog queue, workflow-only types included: each gets its own Temporal task queue. */
export const temporalQueues = (): string[] => [
  ...new Set(Object.values(catalog).map((t) => t.queue)),
];
