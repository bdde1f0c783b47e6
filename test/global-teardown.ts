import type { DevServer } from '../src/lanes/temporal/dev-server';

/** Stops the dev server that test/global-setup.ts started. */
export default async function globalTeardown(): Promise<void> {
  const g = globalThis as { __JOBGATE_TEMPORAL__?: DevServer };
  await g.__JOBGATE_TEMPORAL__?.stop();
  delete g.__JOBGATE_TEMPORAL__;
}
