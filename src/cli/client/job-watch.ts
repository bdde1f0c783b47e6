import { FINAL_STATUSES, JobStatus } from '../../model/enums';
import { CliError, ExitCode } from './cli-error';
import type { GatewayClient } from './gateway-client';
import {
  LiveBlock,
  colorOn,
  dim,
  note,
  paintStatus,
  percent,
  printJsonLine,
  printLine,
  progressBar,
  red,
} from './output';

/** What `jobs watch` follows of a job. */
export interface JobState {
  id: string;
  type: string;
  status: JobStatus;
  progress: number;
  attempts: number;
  maxAttempts: number;
  error: string | null;
}

/** tty: a progress bar per job redrawn in place; plain: a line per change; json: NDJSON per change. */
export type WatchMode = 'tty' | 'plain' | 'json';

const STATE = 'id type status progress attempts maxAttempts error';
const JOBS = `query($ids: [ID!]!, $n: Int!) { jobs(filter: { ids: $ids }, first: $n) { edges { node { ${STATE} } } } }`;
const UPDATED = `subscription($id: ID!) { jobUpdated(id: $id) { ${STATE} } }`;
/**
 * How often the store is asked about jobs not yet final. A job that ends while
 * its subscription is being set up yields no further update; this finds it.
 * @defaultValue 2000
 */
const RECHECK_MS = 2_000;
/** Reconnections of a dropped WebSocket before the watch gives up. @defaultValue 5 */
const RETRY_ATTEMPTS = 5;

export const isFinal = (s: JobState): boolean => FINAL_STATUSES.has(s.status);

interface View {
  show(jobs: readonly JobState[], changed: JobState): void;
  end(jobs: readonly JobState[]): void;
}

/** `<id> <STATUS> <progress>%` whenever the status or the whole percent changes. */
class PlainView implements View {
  private readonly last = new Map<string, string>();

  show(_jobs: readonly JobState[], j: JobState): void {
    const line = `${j.id} ${j.status} ${percent(j.progress)}`;
    if (this.last.get(j.id) === line) return;
    this.last.set(j.id, line);
    printLine(line);
  }

  end(jobs: readonly JobState[]): void {
    for (const j of jobs)
      if (j.status !== JobStatus.SUCCEEDED)
        note(`job ${j.id} ${j.status}${j.error ? `: ${j.error}` : ''}`);
  }
}

/** The job as JSON whenever something about it changes. */
class JsonView implements View {
  private readonly last = new Map<string, string>();

  show(_jobs: readonly JobState[], j: JobState): void {
    const line = JSON.stringify(j);
    if (this.last.get(j.id) === line) return;
    this.last.set(j.id, line);
    printJsonLine(j);
  }

  end(): void {}
}

/** A block of progress bars, one line per job, redrawn in place. */
class TtyView implements View {
  private readonly block = new LiveBlock(process.stdout);
  private readonly color = colorOn(process.stdout);

  private line(j: JobState, typeWidth: number): string {
    const tries = j.attempts > 1 ? dim(` attempt ${j.attempts}/${j.maxAttempts}`, this.color) : '';
    const error =
      j.error && j.status !== JobStatus.SUCCEEDED ? `  ${red(j.error, this.color)}` : '';
    return `${j.id}  ${j.type.padEnd(typeWidth)}  ${progressBar(j.progress, 24)} ${percent(j.progress).padStart(4)}  ${paintStatus(j.status, this.color)}${tries}${error}`;
  }

  show(jobs: readonly JobState[]): void {
    const typeWidth = Math.max(...jobs.map((j) => j.type.length));
    this.block.render(jobs.map((j) => this.line(j, typeWidth)));
  }

  end(jobs: readonly JobState[]): void {
    const ok = jobs.filter((j) => j.status === JobStatus.SUCCEEDED).length;
    const summary =
      ok === jobs.length
        ? `${ok} of ${jobs.length} succeeded`
        : `${ok} of ${jobs.length} succeeded, ${jobs.length - ok} did not`;
    printLine(ok === jobs.length ? summary : red(summary, this.color));
  }
}

const viewOf = (mode: WatchMode): View =>
  mode === 'tty' ? new TtyView() : mode === 'json' ? new JsonView() : new PlainView();

/**
 * Follows jobs until every one is final (SUCCEEDED, FAILED or CANCELLED):
 * their current state over HTTP, then `jobUpdated` over graphql-ws.
 * Returns the final states; rejects when a job is unknown or the gateway fails.
 */
export async function watchJobs(
  gw: GatewayClient,
  ids: readonly string[],
  mode: WatchMode,
): Promise<JobState[]> {
  const order = [...new Set(ids)];
  if (order.length > 500) throw new CliError('watch at most 500 jobs at once', ExitCode.USAGE);
  const fetchStates = async (want: readonly string[]): Promise<JobState[]> =>
    (
      await gw.request<{ jobs: { edges: { node: JobState }[] } }>(JOBS, {
        ids: want,
        n: want.length,
      })
    ).jobs.edges.map((e) => e.node);

  const states = new Map<string, JobState>();
  for (const j of await fetchStates(order)) states.set(j.id, j);
  const missing = order.filter((id) => !states.has(id));
  if (missing.length)
    throw new CliError(`${missing.map((id) => `job ${id} was not found`).join('; ')} (NOT_FOUND)`);

  // A block taller than the terminal cannot be redrawn in place.
  const fits = order.length < (process.stdout.rows || 24);
  const view = viewOf(mode === 'tty' && !fits ? 'plain' : mode);
  const all = (): JobState[] => order.map((id) => states.get(id) as JobState);
  for (const j of all()) view.show(all(), j);
  if (all().every(isFinal)) {
    view.end(all());
    return all();
  }

  const socket = gw.socket(RETRY_ATTEMPTS);
  const stops: (() => void)[] = [];
  let recheck: NodeJS.Timeout | undefined;
  let onInterrupt: (() => void) | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      const apply = (j: JobState): void => {
        const before = states.get(j.id);
        if (!before || isFinal(before)) return;
        states.set(j.id, j);
        view.show(all(), j);
        if (all().every(isFinal)) resolve();
      };
      for (const id of order.filter((i) => !isFinal(states.get(i) as JobState))) {
        stops.push(
          socket.subscribe<{ jobUpdated: JobState }>(
            UPDATED,
            { id },
            {
              next: (d) => apply(d.jobUpdated),
              error: (f) => reject(f.error),
              complete: () => {},
            },
          ),
        );
      }
      // The store may be behind the live updates, so only its final states are taken.
      recheck = setInterval(() => {
        const open = order.filter((i) => !isFinal(states.get(i) as JobState));
        if (!open.length) return;
        fetchStates(open).then(
          (rows) => rows.filter(isFinal).forEach(apply),
          () => {}, // A failed recheck is retried at the next tick; the WebSocket reports lasting trouble.
        );
      }, RECHECK_MS);
      onInterrupt = () => reject(new CliError('', ExitCode.INTERRUPTED));
      process.once('SIGINT', onInterrupt);
    });
  } finally {
    clearInterval(recheck);
    if (onInterrupt) process.removeListener('SIGINT', onInterrupt);
    for (const stop of stops) stop();
    await socket.dispose();
  }
  view.end(all());
  return all();
}
