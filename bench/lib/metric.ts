/** One row of the results: a jobgate figure, its raw baseline from the same run, and the target. */
export interface MetricResult {
  name: string;
  /** Unit of `jobgate` and `baseline`. */
  unit: string;
  jobgate: number | null;
  baseline: number | null;
  /** jobgate / baseline, or null when there is no baseline. */
  ratio: number | null;
  /** The target as written in the issue. */
  target: string;
  /** null when the metric did not run (see `notes`). */
  pass: boolean | null;
  /** Sizes, rates and anything a reader needs to interpret the figures. */
  notes?: string;
}

/** What every metric receives. */
export interface BenchContext {
  quick: boolean;
  /** Progress line on stderr. */
  say(line: string): void;
  /** Median submit throughput of jobgate, set by the submit metric and used by the latency one. */
  shared: { submitRate?: number };
}

export const notRun = (name: string, unit: string, target: string, why: string): MetricResult => ({
  name,
  unit,
  jobgate: null,
  baseline: null,
  ratio: null,
  target,
  pass: null,
  notes: `not run: ${why}`,
});

/**
 * Runs baseline and jobgate `reps` times each, alternating and swapping the
 * order on every repetition (B J J B B J ...) so drift in the machine's load
 * falls on both sides alike.
 */
export async function alternate<T>(
  reps: number,
  baseline: () => Promise<T>,
  jobgate: () => Promise<T>,
): Promise<{ baseline: T[]; jobgate: T[] }> {
  const out = { baseline: [] as T[], jobgate: [] as T[] };
  for (let i = 0; i < reps; i++) {
    if (i % 2 === 0) {
      out.baseline.push(await baseline());
      out.jobgate.push(await jobgate());
    } else {
      out.jobgate.push(await jobgate());
      out.baseline.push(await baseline());
    }
  }
  return out;
}

export const round = (x: number | null, digits = 2): number | null =>
  x === null || !Number.isFinite(x) ? null : Number(x.toFixed(digits));
