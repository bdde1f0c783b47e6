import type { JobDefinition } from '../../sdk/definition-types';
import type { InputCheck } from '../../sdk/input-check';

/** A job type a worker process runs: the user's definition, its input check and its timeout. */
export interface ServedJob {
  def: JobDefinition;
  check: (input: unknown) => InputCheck;
  /** One attempt's limit, ms. */
  timeoutMs: number;
}
