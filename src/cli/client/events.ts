import { Option } from 'commander';
import type { Command } from 'commander';
import { JOB_EVENTS, ME } from '../../client/documents';
import type { JobEvent, JobEventsData } from '../../client/documents';
import { Backend, JobEventType } from '../../model/enums';
import { compareStreamIds, isStreamId } from '../../model/stream-id';
import { CliError, ExitCode, usageError } from './cli-error';
import type { GatewayClient, SocketFailure } from './gateway-client';
import { enumArg, enumListArg, intArg, run, withClientOptions } from './options';
import type { Invocation } from './options';
import { colorOn, cyan, dim, green, note, printJsonLine, printLine, red, time } from './output';

/** Waits between reconnections: 0.5 s doubling to at most 5 s. */
const backoffMs = (attempt: number): number => Math.min(5_000, 500 * 2 ** attempt);
/**
 * Before anything is printed, a reconnection resumes from the moment the tail
 * began, less this much for clocks that differ a little.
 * @defaultValue 1000
 */
const CLOCK_SLACK_MS = 1_000;

type Outcome = { kind: 'enough' } | { kind: 'interrupted' } | ({ kind: 'failed' } & SocketFailure);

function colorType(type: JobEvent['type'], on: boolean): string {
  const padded = type.padEnd(18);
  if (type === 'COMPLETED') return green(padded, on);
  if (type === 'FAILED' || type === 'ACTIVITY_FAILED') return red(padded, on);
  return cyan(padded, on);
}

/** `<event id>  <time>  <TYPE>  <job id>  <job type>  [progress] [attempt] [message]` */
function formatEvent(e: JobEvent, on: boolean): string {
  const extra = [
    e.progress != null ? `${Math.round(e.progress)}%` : '',
    e.attempt != null ? `attempt ${e.attempt}` : '',
    e.activityId ? `activity ${e.activityId}` : '',
    e.message ?? '',
  ].filter(Boolean);
  return `${dim(e.id, on)}  ${time(e.timestamp)}  ${colorType(e.type, on)}  ${e.jobId}  ${e.jobType}${extra.length ? `  ${extra.join('  ')}` : ''}`;
}

/** One connection's worth of following: resolves when it ends, however it ends. */
function followOnce(
  gw: GatewayClient,
  variables: Record<string, unknown>,
  onEvent: (e: JobEvent) => boolean,
  onReconnected: (() => void) | null,
  signal: AbortSignal,
): Promise<Outcome> {
  return new Promise((resolve) => {
    const socket = gw.socket(0, onReconnected ?? undefined);
    let ended = false;
    let unsubscribe = (): void => {};
    const end = (o: Outcome): void => {
      if (ended) return;
      ended = true;
      signal.removeEventListener('abort', onAbort);
      unsubscribe();
      socket.dispose().then(
        () => resolve(o),
        () => resolve(o),
      );
    };
    const onAbort = (): void => end({ kind: 'interrupted' });
    signal.addEventListener('abort', onAbort);
    unsubscribe = socket.subscribe<JobEventsData>(JOB_EVENTS, variables, {
      next: (d) => {
        if (!ended && onEvent(d.jobEvents)) end({ kind: 'enough' });
      },
      error: (f) => end({ kind: 'failed', ...f }),
      complete: () =>
        end({
          kind: 'failed',
          retryable: true,
          error: new CliError('the gateway ended the subscription'),
        }),
    });
    if (signal.aborted) onAbort();
  });
}

const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done);
  });

/**
 * Follows `jobEvents`. When the connection drops it connects again with
 * `after` set to the last event printed, so that nothing is missed and
 * nothing is printed twice; ids at or below that one are dropped as well.
 */
async function tail(inv: Invocation): Promise<number> {
  const o = inv.opts as {
    after?: string;
    job?: string;
    type?: JobEventType[];
    queue?: string;
    backend?: Backend;
    limit?: number;
  };
  if (o.after && !isStreamId(o.after))
    throw usageError(
      `--after: '${o.after}' is not an event id; event ids look like 1700000000000-0`,
    );
  const gw = inv.gateway();
  // Names a bad URL or key at once, before any WebSocket.
  await gw.request(ME);
  const filter = {
    jobId: o.job,
    types: o.type,
    queue: o.queue,
    backends: o.backend ? [o.backend] : undefined,
  };
  const on = colorOn(process.stdout);
  const startedAt = Date.now();
  let last: string | null = o.after ?? null;
  let printed = 0;
  let failures = 0;
  let dropped = false;

  const stop = new AbortController();
  const onInterrupt = (): void => stop.abort();
  process.once('SIGINT', onInterrupt);
  if (process.stderr.isTTY)
    note(
      dim(
        `following events${o.after ? ` after ${o.after}` : ''} at ${gw.url} (Ctrl-C stops)`,
        colorOn(process.stderr),
      ),
    );
  try {
    for (;;) {
      const after = last ?? (dropped ? `${startedAt - CLOCK_SLACK_MS}-0` : null);
      const outcome = await followOnce(
        gw,
        { after, filter },
        (e) => {
          if (last && compareStreamIds(e.id, last) <= 0) return false;
          last = e.id;
          printed++;
          failures = 0;
          if (inv.json) printJsonLine(e);
          else printLine(formatEvent(e, on));
          return o.limit !== undefined && printed >= o.limit;
        },
        dropped ? () => note(`reconnected; resuming after ${after ?? 'the start'}`) : null,
        stop.signal,
      );
      if (outcome.kind === 'enough') return ExitCode.OK;
      if (outcome.kind === 'interrupted') return ExitCode.INTERRUPTED;
      if (!outcome.retryable) throw outcome.error;
      dropped = true;
      const wait = backoffMs(failures++);
      note(`${outcome.error.message}; reconnecting in ${(wait / 1000).toFixed(1)} s`);
      await sleep(wait, stop.signal);
      if (stop.signal.aborted) return ExitCode.INTERRUPTED;
    }
  } finally {
    process.removeListener('SIGINT', onInterrupt);
  }
}

/** events tail */
export function registerEventCommands(program: Command): void {
  const events = withClientOptions(
    program.command('events').description('the event stream of every job'),
  );

  withClientOptions(events.command('tail'))
    .description(
      'follow events as they happen; after a dropped connection, resume after the last event printed',
    )
    .option('--after <id>', 'first replay the events after this event id')
    .option('--job <id>', "only this job's events")
    .option(
      '--type <types>',
      `only these event types, comma-separated: ${Object.values(JobEventType).join(', ')}`,
      enumListArg(Object.values(JobEventType)),
    )
    .option('--queue <name>', 'only events of this queue')
    .addOption(
      new Option('--backend <backend>', 'only events from this backend').argParser(
        enumArg(Object.values(Backend)),
      ),
    )
    .option('--limit <n>', 'stop after this many events', intArg(1, Number.MAX_SAFE_INTEGER))
    .action(run(tail));
}
