import { Option } from 'commander';
import type { Command } from 'commander';
import { CANCEL_JOB, JOB, RETRY_JOB, SUBMIT_JOB, WORKFLOW_FIELDS } from '../../client/documents';
import type { Job, WorkflowInfo } from '../../client/documents';
import { Backend, BackendChoice, JobStatus, Priority } from '../../model/enums';
import { CliError, ExitCode } from './cli-error';
import type { GatewayClient } from './gateway-client';
import { listJobs, withListOptions } from './job-list';
import { registerJobLogsCommand } from './job-logs';
import { registerJobTreeCommand } from './job-tree';
import { watchJobs } from './job-watch';
import type { JobState, WatchMode } from './job-watch';
import { enumArg, intArg, jsonArg, run, withClientOptions } from './options';
import type { Invocation } from './options';
import {
  colorOn,
  inlineJson,
  keyValues,
  note,
  paintStatus,
  percent,
  printJson,
  printLine,
  time,
} from './output';

/** How `jobs watch` and `jobs submit --wait` show progress on this stdout. */
export const watchModeOf = (inv: Invocation): WatchMode =>
  inv.json ? 'json' : process.stdout.isTTY ? 'tty' : 'plain';

/** Exit code of a finished watch: 0 when every job SUCCEEDED. */
export const exitOfWatch = (jobs: readonly JobState[]): number =>
  jobs.every((j) => j.status === JobStatus.SUCCEEDED) ? ExitCode.OK : ExitCode.FAILED;

/** The job a read found, or NOT_FOUND as an error. */
export function found<T>(id: string, job: T | null): T {
  if (!job)
    throw new CliError(
      `job ${id} was not found (NOT_FOUND): check the id, and that --key belongs to the job's tenant`,
    );
  return job;
}

/** A job's `fields` by id, or NOT_FOUND as an error. */
export async function requireJob<T>(gw: GatewayClient, id: string, fields: string): Promise<T> {
  const { job } = await gw.request<{ job: T | null }>(
    `query($id: ID!) { job(id: $id) { ${fields} } }`,
    { id },
  );
  return found(id, job);
}

/** `<id> is <STATUS>`, or the job as JSON: what every control command prints. */
export function printOutcome(inv: Invocation, job: Pick<Job, 'id' | 'status'>, verb: string): void {
  if (inv.json) printJson(job);
  else
    printLine(`${verb} job ${job.id}: it is ${paintStatus(job.status, colorOn(process.stdout))}`);
}

function printDetail(job: Job, workflow: WorkflowInfo | null): void {
  const on = colorOn(process.stdout);
  printLine(
    keyValues([
      ['id', job.id],
      ['type', job.type],
      ['status', `${paintStatus(job.status, on)} ${percent(job.progress)}`],
      ['backend', `${job.backend} (${job.routingReason})`],
      ['queue', job.queue],
      ['priority', job.priority],
      ['attempts', `${job.attempts} of ${job.maxAttempts}`],
      ['idempotency key', job.idempotencyKey],
      ['created', time(job.createdAt)],
      ['started', time(job.startedAt)],
      ['finished', time(job.finishedAt)],
      ['input', inlineJson(job.input)],
      ['result', inlineJson(job.result)],
      ['error', job.error],
      ...(workflow ? ([['workflow', inlineJson(workflow)]] as [string, string][]) : []),
    ]),
  );
}

async function submit(inv: Invocation): Promise<number> {
  const [type] = inv.args as [string];
  const o = inv.opts as {
    input?: unknown;
    backend?: BackendChoice;
    priority?: Priority;
    delay?: number;
    attempts?: number;
    idempotencyKey?: string;
    estimatedSeconds?: number;
    steps?: number;
    compensation?: boolean;
    wait?: boolean;
  };
  const gw = inv.gateway();
  const input = {
    type,
    input: o.input,
    backend: o.backend,
    priority: o.priority,
    delayMs: o.delay,
    maxAttempts: o.attempts,
    idempotencyKey: o.idempotencyKey,
    estimatedDurationSeconds: o.estimatedSeconds,
    stepCount: o.steps,
    requiresCompensation: o.compensation,
  };
  const { submitJob: job } = await gw.request<{ submitJob: Job }>(SUBMIT_JOB, { input });
  if (!o.wait) {
    if (inv.json) printJson(job);
    else
      printLine(
        `submitted job ${job.id}: ${job.type} on ${job.backend} (${job.routingReason}), ${job.status}`,
      );
    return ExitCode.OK;
  }
  if (!inv.json)
    printLine(
      `submitted job ${job.id}: ${job.type} on ${job.backend} (${job.routingReason}); waiting for it to finish`,
    );
  const final = await watchJobs(gw, [job.id], inv.json ? 'json' : watchModeOf(inv));
  // What the job returned is what a person waited for; --json prints states only (`jobs get --json` has it).
  if (!inv.json && final[0]?.status === JobStatus.SUCCEEDED) {
    const stored = await storedResult(gw, job.id);
    if (stored) printLine(`result: ${JSON.stringify(stored.result ?? null)}`);
    else
      note(
        `job ${job.id} SUCCEEDED; its result is not stored yet: \`jobgate jobs get ${job.id}\` shows it once it is`,
      );
  }
  return exitOfWatch(final);
}

/**
 * How long `submit --wait` waits for the store to have the result of a job it saw succeed.
 * @defaultValue 10000
 */
const RESULT_WAIT_MS = 10_000;

/**
 * The stored result of a job the watch saw SUCCEED, or null when the store has not caught up
 * within RESULT_WAIT_MS: the live updates come off the event bus, a moment ahead of the store.
 */
async function storedResult(gw: GatewayClient, id: string): Promise<{ result: unknown } | null> {
  const until = Date.now() + RESULT_WAIT_MS;
  for (;;) {
    const job = await requireJob<{ status: JobStatus; result: unknown }>(gw, id, 'status result');
    if (job.status === JobStatus.SUCCEEDED) return { result: job.result };
    if (Date.now() >= until) return null;
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function get(inv: Invocation): Promise<void> {
  const [id] = inv.args as [string];
  const gw = inv.gateway();
  const job = found(id, (await gw.request<{ job: Job | null }>(JOB, { id })).job);
  let workflow: WorkflowInfo | null = null;
  if (job.backend === Backend.TEMPORAL) {
    try {
      workflow = (
        await requireJob<{ workflow: WorkflowInfo | null }>(
          gw,
          id,
          `workflow { ${WORKFLOW_FIELDS} }`,
        )
      ).workflow;
    } catch (err) {
      note(`workflow details unavailable: ${(err as Error).message}`);
    }
  }
  if (inv.json) printJson({ ...job, workflow });
  else printDetail(job, workflow);
}

async function control(
  inv: Invocation,
  mutation: 'cancelJob' | 'retryJob',
  verb: string,
): Promise<void> {
  const [id] = inv.args as [string];
  const reason = (inv.opts as { reason?: string }).reason;
  const data = await inv
    .gateway()
    .request<Record<string, Job>>(
      mutation === 'cancelJob' ? CANCEL_JOB : RETRY_JOB,
      mutation === 'cancelJob' ? { id, reason } : { id },
    );
  printOutcome(inv, data[mutation], verb);
}

async function watch(inv: Invocation): Promise<number> {
  const [ids] = inv.args as [string[]];
  return exitOfWatch(await watchJobs(inv.gateway(), ids, watchModeOf(inv)));
}

/** jobs submit|get|list|cancel|retry|watch|logs */
export function registerJobCommands(program: Command): void {
  const jobs = withClientOptions(
    program.command('jobs').description('submit, find, control and watch jobs'),
  );

  withClientOptions(jobs.command('submit <type>'))
    .description('submit a job of a registered type (see the jobTypes query)')
    .option('--input <json>', "the job's input as JSON, or @file.json", jsonArg)
    .addOption(
      new Option('--backend <backend>', 'where it runs; AUTO applies the routing policy').argParser(
        enumArg(Object.values(BackendChoice)),
      ),
    )
    .addOption(
      new Option('--priority <priority>', Object.values(Priority).join(', ')).argParser(
        enumArg(Object.values(Priority)),
      ),
    )
    .option(
      '--delay <ms>',
      'start no earlier than this many milliseconds from now',
      intArg(0, 2 ** 31 - 1),
    )
    .option(
      '--attempts <n>',
      "most attempts before the job FAILs (default: the type's)",
      intArg(1, 1000),
    )
    .option(
      '--idempotency-key <key>',
      'a key already used in this tenant returns that job instead of a new one',
    )
    .option(
      '--estimated-seconds <n>',
      'routing hint: over 30 goes to TEMPORAL',
      intArg(0, 2 ** 31 - 1),
    )
    .option('--steps <n>', 'routing hint: more than 1 goes to TEMPORAL', intArg(0, 2 ** 31 - 1))
    .option('--compensation', 'routing hint: needs compensation, goes to TEMPORAL')
    .option(
      '--wait',
      'watch the job until it is final, then print its result; exit 1 unless it SUCCEEDED',
    )
    .action(run(submit));

  withClientOptions(jobs.command('get <id>')).description('show one job').action(run(get));

  withListOptions(withClientOptions(jobs.command('list')))
    .description('list jobs, newest first')
    .addOption(
      new Option('--backend <backend>', 'only this backend').argParser(
        enumArg(Object.values(Backend)),
      ),
    )
    .action(run((inv) => listJobs(inv)));

  withClientOptions(jobs.command('cancel <id>'))
    .description(
      'cancel a job: a BullMQ job is removed or aborted, a workflow runs its compensations',
    )
    .option('--reason <text>', 'kept with the CANCELLED event')
    .action(run((inv) => control(inv, 'cancelJob', 'cancelled')));

  withClientOptions(jobs.command('retry <id>'))
    .description('run a FAILED or CANCELLED job again')
    .action(run((inv) => control(inv, 'retryJob', 'retried')));

  withClientOptions(jobs.command('watch <ids...>'))
    .description(
      'follow jobs until each is final: a progress bar per job on a terminal, `<id> <STATUS> <progress>%` lines otherwise; exit 0 only if all SUCCEEDED',
    )
    .action(run(watch));

  registerJobLogsCommand(jobs);
  registerJobTreeCommand(jobs);
}
