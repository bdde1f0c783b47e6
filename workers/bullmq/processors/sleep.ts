import { JobCancelledError } from '../../../src/model/processor';
import type { Processor } from '../../../src/model/processor';

const wait = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new JobCancelledError(String(signal.reason ?? 'cancelled')));
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new JobCancelledError(String(signal.reason ?? 'cancelled')));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });

/** Sleeps `ms` in 10 steps, reporting progress after each; stops when aborted. */
export const sleep: Processor<{ ms: number }, { sleptMs: number }> = async ({ ms }, ctx) => {
  const step = ms / 10;
  for (let i = 1; i <= 10; i++) {
    await wait(step, ctx.signal);
    await ctx.progress(i * 10);
  }
  return { sleptMs: ms };
};
