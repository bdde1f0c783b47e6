/**
 * Activities of the demo workflows. Each takes one object whose fields (`step`, `index`,
 * `item`) jobgate copies into the ACTIVITY_* events of the job.
 */
import { activityContext, heartbeat } from 'jobgate';

/** One saga step or compensation; `fail` makes it throw on every attempt. */
export interface SagaStepArgs {
  step: string;
  index: number;
  fail: boolean;
  /** How long the step works, ms. @defaultValue 0 */
  stepMs: number;
}

/**
 * One batch item. An item `{ms}` works that long; an item `{fail: true | string}` fails on
 * every attempt (with that message); anything else succeeds at once.
 */
export interface BatchItemArgs {
  index: number;
  item: unknown;
}

/** Works `ms` while heartbeating, so Temporal sees the worker alive and can deliver cancellation. */
async function work(ms: number): Promise<void> {
  const ctx = activityContext();
  const every = Math.min(1000, Math.max(200, (ctx.info.heartbeatTimeoutMs ?? 3000) / 3));
  heartbeat();
  const timer = setInterval(() => heartbeat(), every);
  try {
    await ctx.sleep(ms);
  } finally {
    clearInterval(timer);
  }
}

export async function sagaStep(a: SagaStepArgs): Promise<{ step: string }> {
  await work(a.stepMs);
  if (a.fail) throw new Error(`step '${a.step}' failed`);
  return { step: a.step };
}

export async function sagaCompensate(a: SagaStepArgs): Promise<{ compensated: string }> {
  await work(a.stepMs);
  return { compensated: a.step };
}

export async function batchItem(a: BatchItemArgs): Promise<{ index: number }> {
  const item = a.item && typeof a.item === 'object' ? (a.item as Record<string, unknown>) : {};
  const ms = typeof item.ms === 'number' ? item.ms : 0;
  if (ms > 0) await work(ms);
  if (item.fail)
    throw new Error(typeof item.fail === 'string' ? item.fail : `item ${a.index} failed`);
  return { index: a.index };
}
