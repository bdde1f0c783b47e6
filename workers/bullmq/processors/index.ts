import type { Processor } from '../../../src/model/processor';
import { charge } from './charge';
import { echo } from './echo';
import { fail } from './fail';
import { flaky } from './flaky';
import { sleep } from './sleep';

/**
 * The processor of every job type that is not workflow-only, by name. Both the
 * BullMQ worker and the Temporal `runProcessor` activity run these.
 */
export const processors: Readonly<Record<string, Processor<never, unknown>>> = {
  echo,
  sleep,
  flaky,
  fail,
  charge,
};
