import type { Command } from 'commander';
import { JOB_TYPES, WORKERS } from '../../client/documents';
import type { JobTypeRow, WorkerRow } from '../../client/documents';
import { run, withClientOptions } from './options';
import type { Invocation } from './options';
import {
  colorOn,
  dim,
  green,
  note,
  printJson,
  printLine,
  red,
  table,
  time,
  yellow,
} from './output';

/** `1.5s`, `2m`, `3h`: a timeout as a person reads it. */
function duration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  if (ms < 60_000) return `${+(ms / 1000).toFixed(1)}s`;
  if (ms < 3_600_000) return `${+(ms / 60_000).toFixed(1)}m`;
  return `${+(ms / 3_600_000).toFixed(1)}h`;
}

async function listTypes(inv: Invocation): Promise<void> {
  const { jobTypes } = await inv.gateway().request<{ jobTypes: JobTypeRow[] }>(JOB_TYPES);
  if (inv.json) return printJson(jobTypes);
  if (!jobTypes.length) return note('no job types registered: start a worker with --jobs');
  const on = colorOn(process.stdout);
  printLine(
    table(
      [
        { header: 'NAME', value: (t) => t.name },
        {
          header: 'LANE',
          value: (t) => (t.workflowOnly ? 'TEMPORAL (workflow)' : t.defaultBackend),
        },
        { header: 'QUEUE', value: (t) => t.queue },
        {
          header: 'WORKERS',
          value: (t) => (t.workers ? String(t.workers) : red('0', on)),
          align: 'right',
        },
        { header: 'ATTEMPTS', value: (t) => String(t.maxAttempts), align: 'right' },
        { header: 'TIMEOUT', value: (t) => duration(t.timeoutMs), align: 'right' },
        { header: 'VERSION', value: (t) => dim(t.version.slice(0, 12), on) },
        { header: 'REGISTERED', value: (t) => time(t.registeredAt) },
      ],
      jobTypes,
    ),
  );
}

async function listWorkers(inv: Invocation): Promise<void> {
  const { workers } = await inv.gateway().request<{ workers: WorkerRow[] }>(WORKERS);
  if (inv.json) return printJson(workers);
  if (!workers.length) return note('no workers have sent a heartbeat in the last hour');
  const on = colorOn(process.stdout);
  const paint = (s: string): string =>
    s === 'ACTIVE' ? green(s, on) : s === 'STOPPING' ? yellow(s, on) : red(s, on);
  printLine(
    table(
      [
        { header: 'ID', value: (w) => w.id },
        { header: 'HOST', value: (w) => `${w.host}:${w.pid}` },
        { header: 'STATUS', value: (w) => paint(w.status) },
        { header: 'LANES', value: (w) => w.lanes.join(',') },
        { header: 'QUEUES', value: (w) => w.queues.join(',') },
        { header: 'ACTIVE', value: (w) => `${w.activeJobs}/${w.concurrency}`, align: 'right' },
        {
          header: 'TYPES',
          value: (w) =>
            [...w.jobTypes, ...w.outdatedJobTypes.map((t) => yellow(`${t} (outdated)`, on))].join(
              ',',
            ),
        },
        { header: 'LAST HEARTBEAT', value: (w) => time(w.lastHeartbeatAt) },
      ],
      workers,
    ),
  );
}

/** types list, workers list: the registry as the gateway sees it. */
export function registerRegistryCommands(program: Command): void {
  const types = withClientOptions(
    program.command('types').description('job types registered by workers'),
  );
  withClientOptions(types.command('list'))
    .description('every registered job type with its live workers, limits and version')
    .action(run(listTypes));

  const workers = withClientOptions(
    program.command('workers').description('worker processes, from their heartbeats'),
  );
  withClientOptions(workers.command('list'))
    .description('worker processes, live and lost within the last hour (ADMIN)')
    .action(run(listWorkers));
}
