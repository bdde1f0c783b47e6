/**
 * jobgate's demo job types, written with the SDK as any project writes its own. Each runs on
 * either lane: a BullMQ job or a Temporal activity.
 */
import { defineJob, JobCancelledError } from 'jobgate';

export const echo = defineJob({
  name: 'echo',
  description: 'Returns its input as the result.',
  backoffMs: 200,
  run: async (input: unknown) => input,
});

/** Resolves after `ms`, or rejects with JobCancelledError as soon as `signal` aborts. */
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

export const sleep = defineJob({
  name: 'sleep',
  description: 'Sleeps `ms` milliseconds, reporting progress in 10 steps; stops when cancelled.',
  input: {
    type: 'object',
    properties: { ms: { type: 'integer', minimum: 0, maximum: 3_600_000 } },
    required: ['ms'],
    additionalProperties: false,
  },
  timeoutMs: 3_600_000,
  async run({ ms }: { ms: number }, ctx) {
    const step = ms / 10;
    for (let i = 1; i <= 10; i++) {
      await wait(step, ctx.signal);
      await ctx.progress(i * 10);
    }
    return { sleptMs: ms };
  },
});

export const flaky = defineJob({
  name: 'flaky',
  description: 'Fails its first `failTimes` attempts, then succeeds.',
  input: {
    type: 'object',
    properties: { failTimes: { type: 'integer', minimum: 0, maximum: 100 } },
    required: ['failTimes'],
    additionalProperties: false,
  },
  maxAttempts: 5,
  backoffMs: 100,
  async run({ failTimes }: { failTimes: number }, ctx) {
    if (ctx.attempt <= failTimes)
      throw new Error(`flaky: planned failure ${ctx.attempt} of ${failTimes}`);
    return { attempt: ctx.attempt };
  },
});

export const fail = defineJob({
  name: 'fail',
  description: 'Always fails, with `message` when given.',
  input: {
    type: 'object',
    properties: { message: { type: 'string', maxLength: 10_000 } },
    additionalProperties: false,
  },
  maxAttempts: 2,
  backoffMs: 100,
  async run({ message }: { message?: string }): Promise<never> {
    throw new Error(message ?? 'fail: this job always fails');
  },
});

export const charge = defineJob({
  name: 'charge',
  description:
    'Charges `amount` to `cardToken` (a demo: returns the amount). `cardToken` is sensitive: VIEWERs see it masked.',
  input: {
    type: 'object',
    properties: {
      amount: { type: 'number', exclusiveMinimum: 0 },
      cardToken: { type: 'string', minLength: 1 },
    },
    required: ['amount', 'cardToken'],
    additionalProperties: false,
  },
  sensitive: ['cardToken'],
  // Never echoes the card token.
  run: async ({ amount }: { amount: number; cardToken: string }) => ({ charged: amount }),
});
