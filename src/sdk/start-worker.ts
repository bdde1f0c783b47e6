import type { Definition } from './definition-types';

/** Options of {@link startWorker}. */
export interface StartWorkerOptions {
  /** The definitions to serve. */
  jobs: Definition[];
  [option: string]: unknown;
}

/** Runs a worker serving `jobs` in this process. */
export async function startWorker(
  _options: StartWorkerOptions,
): Promise<{ close(): Promise<void> }> {
  throw new Error('startWorker: not yet wired');
}
