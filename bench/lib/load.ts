import { percentileSorted } from './stats';

export interface ClosedLoopResult {
  /** Operations completed. */
  ops: number;
  /** Units of work completed (ops × units per op). */
  units: number;
  seconds: number;
  /** units per second */
  rate: number;
}

/**
 * Keeps `inFlight` calls of `op` running for `durationMs` (then lets the ones
 * started finish) and counts what completed. Any failed call fails the run.
 */
export async function closedLoop(
  op: () => Promise<unknown>,
  inFlight: number,
  durationMs: number,
  unitsPerOp = 1,
): Promise<ClosedLoopResult> {
  const start = performance.now();
  const until = start + durationMs;
  let ops = 0;
  const lane = async (): Promise<void> => {
    while (performance.now() < until) {
      await op();
      ops++;
    }
  };
  await Promise.all(Array.from({ length: inFlight }, lane));
  const seconds = (performance.now() - start) / 1000;
  return { ops, units: ops * unitsPerOp, seconds, rate: (ops * unitsPerOp) / seconds };
}

export interface OpenLoopResult {
  sent: number;
  /** Offered rate, ops/s. */
  rate: number;
  /** Achieved completion rate, ops/s. */
  achieved: number;
  p50: number;
  p99: number;
  max: number;
}

/**
 * Starts `op` at a fixed rate whatever the completions do (open loop), and
 * measures each latency from the moment the call was due, so a stall counts
 * against every call it delayed (no coordinated omission).
 */
export async function openLoop(
  op: () => Promise<unknown>,
  ratePerSec: number,
  durationMs: number,
): Promise<OpenLoopResult> {
  const total = Math.max(1, Math.round((ratePerSec * durationMs) / 1000));
  const interval = 1000 / ratePerSec;
  const latencies = new Float64Array(total);
  const calls: Promise<void>[] = [];
  const start = performance.now();
  let sent = 0;
  let failure: unknown = null;
  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const now = performance.now();
      while (sent < total && start + sent * interval <= now) {
        const i = sent++;
        const due = start + i * interval;
        calls.push(
          op().then(
            () => {
              latencies[i] = performance.now() - due;
            },
            (err: unknown) => {
              failure ??= err;
            },
          ),
        );
      }
      if (sent >= total) resolve();
      else
        setTimeout(
          tick,
          Math.max(0, Math.min(interval, start + sent * interval - performance.now())),
        );
    };
    tick();
  });
  await Promise.all(calls);
  if (failure) throw failure;
  const seconds = (performance.now() - start) / 1000;
  const sorted = latencies.sort();
  return {
    sent,
    rate: ratePerSec,
    achieved: sent / seconds,
    p50: percentileSorted(sorted, 50),
    p99: percentileSorted(sorted, 99),
    max: sorted[sorted.length - 1],
  };
}

export interface SequentialResult {
  ops: number;
  p50: number;
  p99: number;
  max: number;
}

/**
 * Runs `op` `count` times, one at a time (each call starts when the previous
 * one has finished, so the server is otherwise idle), and reports the
 * latencies of the calls in milliseconds.
 */
export async function sequential(
  op: () => Promise<unknown>,
  count: number,
): Promise<SequentialResult> {
  const latencies = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const t = performance.now();
    await op();
    latencies[i] = performance.now() - t;
  }
  const sorted = latencies.sort();
  return {
    ops: count,
    p50: percentileSorted(sorted, 50),
    p99: percentileSorted(sorted, 99),
    max: sorted[sorted.length - 1],
  };
}
