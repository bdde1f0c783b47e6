import type { Processor } from '../../../src/model/processor';

/** Always throws. */
export const fail: Processor<{ message?: string }, never> = async ({ message }) => {
  throw new Error(message ?? 'fail: this job always fails');
};
