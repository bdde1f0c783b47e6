import type { Command } from 'commander';
import { JOB_EVENTS, JOB_LOGS } from '../../client/documents';
import type { JobEventsData, LogLine } from '../../client/documents';
import { FINAL_STATUSES, JobEventType } from '../../model/enums';
import type { JobStatus } from '../../model/enums';
import { compareStreamIds } from '../../model/stream-id';
import { CliError, ExitCode } from './cli-error';
import type { GatewayClient } from './gateway-client';
import { run, withClientOptions } from './options';
import type { Invocation } from './options';
import { colorOn, dim, printJsonLine, printLine, time } from './output';

/** Lines asked for per request. @defaultValue 1000 (the most the gateway gives) */
const PAGE = 1000;
/** Reconnections of a dropped WebSocket before `--follow` gives up. @defaultValue 5 */
const RETRY_ATTEMPTS = 5;
/**
 * With nothing printed yet, following starts this long before the job was created, for clocks
 * that differ a little between the gateway and Redis.
 * @defaultValue 1000
 */
const CLOCK_SLACK_MS = 1_000;

// The events that end a job (the status model makes each final) come too, to know when to stop.
const FINAL_EVENTS = [JobEventType.COMPLETED, JobEventType.FAILED, JobEventType.CANCELLED];

interface JobPage {
  status: JobStatus;
  createdAt: string;
  logs: LogLine[];
}

const notFound = (id: string): CliError =>
  new CliError(
    `job ${id} was not found (NOT_FOUND): check the id, and that --key belongs to the job's tenant`,
  );

/** Prints lines as `<time>  [#attempt]  <line>`, or NDJSON. */
function printer(json: boolean): (l: LogLine) => void {
  const on = colorOn(process.stdout);
  return (l) => {
    if (json) printJsonLine(l);
    else
      printLine(`${dim(time(l.at), on)}  ${l.attempt != null ? `#${l.attempt}  ` : ''}${l.line}`);
  };
}

/** Prints every line stored so far; returns the job's state and the last line's id. */
async function printStored(
  gw: GatewayClient,
  id: string,
  print: (l: LogLine) => void,
): Promise<{ job: JobPage; last: string | null }> {
  let last: string | null = null;
  for (;;) {
    const { job }: { job: JobPage | null } = await gw.request(JOB_LOGS, {
      id,
      first: PAGE,
      after: last,
    });
    if (!job) throw notFound(id);
    job.logs.forEach(print);
    last = job.logs.at(-1)?.id ?? last;
    if (job.logs.length < PAGE) return { job, last };
  }
}

/** Follows new lines until the job is final (or Ctrl-C). */
async function follow(
  gw: GatewayClient,
  id: string,
  after: string,
  print: (l: LogLine) => void,
): Promise<number> {
  const socket = gw.socket(RETRY_ATTEMPTS);
  let last = after;
  let stop = (): void => {};
  let onInterrupt: (() => void) | undefined;
  try {
    return await new Promise<number>((resolve, reject) => {
      stop = socket.subscribe<JobEventsData>(
        JOB_EVENTS,
        { after, filter: { jobId: id, types: [JobEventType.LOG, ...FINAL_EVENTS] } },
        {
          next: ({ jobEvents: e }) => {
            // A reconnection replays from the first `after`: drop what was printed.
            if (compareStreamIds(e.id, last) <= 0) return;
            last = e.id;
            if (e.type === 'LOG')
              print({ id: e.id, at: e.timestamp, attempt: e.attempt, line: e.message ?? '' });
            // Events arrive in bus order: every line logged before the end is printed.
            else resolve(ExitCode.OK);
          },
          error: (f) => reject(f.error),
          complete: () => reject(new CliError('the gateway ended the subscription')),
        },
      );
      onInterrupt = () => resolve(ExitCode.INTERRUPTED);
      process.once('SIGINT', onInterrupt);
    });
  } finally {
    if (onInterrupt) process.removeListener('SIGINT', onInterrupt);
    stop();
    await socket.dispose();
  }
}

async function logs(inv: Invocation): Promise<number> {
  const [id] = inv.args as [string];
  const gw = inv.gateway();
  const print = printer(inv.json);
  const { job, last } = await printStored(gw, id, print);
  if (!inv.opts.follow || FINAL_STATUSES.has(job.status)) return ExitCode.OK;
  // No line can be older than its job; the stream replays whatever the store had not yet.
  const after = last ?? `${Date.parse(job.createdAt) - CLOCK_SLACK_MS}-0`;
  return follow(gw, id, after, print);
}

/** jobs logs <id> [--follow] */
export function registerJobLogsCommand(jobs: Command): void {
  withClientOptions(jobs.command('logs <id>'))
    .description(
      'print the lines a job logged, oldest first; --follow prints new ones until it is final',
    )
    .option('--follow', 'keep printing lines as the job logs them, until it is final')
    .action(run(logs));
}
