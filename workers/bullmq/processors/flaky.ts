import type { Processor } from '../../../src/model/processor';

/** Throws on its first `failTimes` attempts, then succeeds. */
export const flaky: Processor<{ failTimes: number }, { attempt: number }> = async (
  { failTimes },
  ctx,
) => {
  if (ctx.attempt <= failTimes) {
    throw new Error(`flaky: planned failure ${ctx.attempt} of ${failTimes}`);
  }
  return { attempt: ctx.attempt };
};
