import type { Command } from 'commander';
import { CANCEL_JOB, SIGNAL_JOB, TERMINATE_JOB, WORKFLOW_QUERY } from '../../client/documents';
import type { Job } from '../../client/documents';
import { Backend } from '../../model/enums';
import { CliError } from './cli-error';
import { listJobs, withListOptions } from './job-list';
import { printOutcome, requireJob } from './jobs';
import { jsonArg, run, withClientOptions } from './options';
import type { Invocation } from './options';
import { printJson, printLine } from './output';

/** Cancel and terminate name TEMPORAL jobs; a BullMQ job gets pointed at `jobs cancel`. */
async function requireWorkflow(inv: Invocation, id: string, command: string): Promise<void> {
  const job = await requireJob<{ backend: Backend }>(inv.gateway(), id, 'backend');
  if (job.backend !== Backend.TEMPORAL) {
    throw new CliError(
      `job ${id} runs on ${job.backend}, not TEMPORAL: \`workflows ${command}\` is for workflows; use \`jobgate jobs cancel ${id}\``,
    );
  }
}

async function signal(inv: Invocation): Promise<void> {
  const [id, name] = inv.args as [string, string];
  const { payload } = inv.opts as { payload?: unknown };
  const { signalJob } = await inv
    .gateway()
    .request<{ signalJob: Job }>(SIGNAL_JOB, { id, signal: name, payload: payload ?? null });
  printOutcome(inv, signalJob, `sent '${name}' to`);
}

async function query(inv: Invocation): Promise<void> {
  const [id, name] = inv.args as [string, string];
  const { args } = inv.opts as { args?: unknown };
  const { workflowQuery } = await inv
    .gateway()
    .request<{ workflowQuery: unknown }>(WORKFLOW_QUERY, { id, name, args: args ?? null });
  // The answer is JSON whichever way it is asked for.
  if (inv.json) printJson(workflowQuery);
  else printLine(JSON.stringify(workflowQuery, null, 2));
}

async function stop(
  inv: Invocation,
  mutation: 'cancelJob' | 'terminateJob',
  verb: string,
): Promise<void> {
  const [id] = inv.args as [string];
  const { reason } = inv.opts as { reason?: string };
  if (mutation === 'cancelJob') await requireWorkflow(inv, id, 'cancel');
  const data = await inv
    .gateway()
    .request<Record<string, Job>>(mutation === 'cancelJob' ? CANCEL_JOB : TERMINATE_JOB, {
      id,
      reason: reason ?? null,
    });
  printOutcome(inv, data[mutation], verb);
}

/** workflows list|signal|query|cancel|terminate: jobs on the TEMPORAL backend. */
export function registerWorkflowCommands(program: Command): void {
  const workflows = withClientOptions(
    program.command('workflows').description('list and control workflows (jobs on TEMPORAL)'),
  );

  withListOptions(withClientOptions(workflows.command('list')))
    .description('list workflows, newest first')
    .action(run((inv) => listJobs(inv, [Backend.TEMPORAL])));

  withClientOptions(workflows.command('signal <id> <signal>'))
    .description('send a signal, e.g. `approve` to an approval workflow')
    .option('--payload <json>', 'the signal payload as JSON, e.g. \'{"by":"ann"}\'', jsonArg)
    .action(run(signal));

  withClientOptions(workflows.command('query <id> <name>'))
    .description("run a workflow's query handler, e.g. `state`, and print its answer as JSON")
    .option('--args <json>', 'the query arguments as JSON', jsonArg)
    .action(run(query));

  withClientOptions(workflows.command('cancel <id>'))
    .description('ask a workflow to cancel: it runs its compensations')
    .option('--reason <text>', 'kept with the CANCELLED event')
    .action(run((inv) => stop(inv, 'cancelJob', 'cancelled')));

  withClientOptions(workflows.command('terminate <id>'))
    .description('stop a workflow at once, without compensations')
    .option('--reason <text>', 'kept in the Temporal history')
    .action(run((inv) => stop(inv, 'terminateJob', 'terminated')));
}
