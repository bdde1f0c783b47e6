import type { Command } from 'commander';
import {
  DELETE_SCHEDULE,
  PAUSE_SCHEDULE,
  RESUME_SCHEDULE,
  SCHEDULES,
  TRIGGER_SCHEDULE,
  UPSERT_SCHEDULE,
} from '../../client/documents';
import type { ScheduleRow } from '../../client/documents';
import { enumArg, intArg, jsonArg, run, withClientOptions } from './options';
import type { Invocation } from './options';
import { keyValues, note, printJson, printLine, table, time } from './output';

const when = (s: ScheduleRow): string =>
  s.cron ? `${s.cron}${s.timezone !== 'UTC' ? ` (${s.timezone})` : ''}` : `every ${s.everyMs} ms`;

function show(inv: Invocation, s: ScheduleRow): void {
  if (inv.json) return printJson(s);
  printLine(
    keyValues([
      ['id', s.id],
      ['type', s.type],
      ['backend', s.backend],
      ['when', when(s)],
      ['overlap', s.overlap],
      ['state', s.paused ? `paused${s.note ? `: ${s.note}` : ''}` : 'active'],
      ['next runs', s.nextRunTimes.map((t) => time(t)).join(', ') || '-'],
    ]),
  );
}

async function create(inv: Invocation): Promise<void> {
  const [type] = inv.args as [string];
  const o = inv.opts;
  const input = {
    id: o.id,
    type,
    input: o.input,
    backend: o.backend,
    cron: o.cron,
    everyMs: o.every,
    timezone: o.timezone,
    overlap: o.overlap,
    paused: o.paused ? true : undefined,
  };
  const { upsertSchedule } = await inv
    .gateway()
    .request<{ upsertSchedule: ScheduleRow }>(UPSERT_SCHEDULE, { input });
  show(inv, upsertSchedule);
}

async function list(inv: Invocation): Promise<void> {
  const { schedules } = await inv.gateway().request<{ schedules: ScheduleRow[] }>(SCHEDULES);
  if (inv.json) return printJson(schedules);
  if (!schedules.length) return note('no schedules');
  printLine(
    table(
      [
        { header: 'ID', value: (s) => s.id },
        { header: 'TYPE', value: (s) => s.type },
        { header: 'BACKEND', value: (s) => s.backend },
        { header: 'WHEN', value: when },
        { header: 'OVERLAP', value: (s) => s.overlap },
        { header: 'STATE', value: (s) => (s.paused ? 'paused' : 'active') },
        { header: 'NEXT RUN', value: (s) => (s.nextRunTimes[0] ? time(s.nextRunTimes[0]) : '-') },
      ],
      schedules,
    ),
  );
}

async function change(
  inv: Invocation,
  mutation: 'pauseSchedule' | 'resumeSchedule',
): Promise<void> {
  const [id] = inv.args as [string];
  const note = mutation === 'pauseSchedule' ? (inv.opts.note as string | undefined) : undefined;
  const data = await inv
    .gateway()
    .request<Record<string, ScheduleRow>>(
      mutation === 'pauseSchedule' ? PAUSE_SCHEDULE : RESUME_SCHEDULE,
      { id, ...(note !== undefined ? { note } : {}) },
    );
  show(inv, data[mutation]);
}

async function trigger(inv: Invocation): Promise<void> {
  const [id] = inv.args as [string];
  const { triggerSchedule } = await inv
    .gateway()
    .request<{ triggerSchedule: { id: string; status: string; backend: string } }>(
      TRIGGER_SCHEDULE,
      { id },
    );
  if (inv.json) return printJson(triggerSchedule);
  printLine(
    `started job ${triggerSchedule.id} (${triggerSchedule.backend}, ${triggerSchedule.status})`,
  );
}

async function remove(inv: Invocation): Promise<void> {
  const [id] = inv.args as [string];
  const { deleteSchedule } = await inv
    .gateway()
    .request<{ deleteSchedule: boolean }>(DELETE_SCHEDULE, { id });
  if (inv.json) return printJson({ deleted: deleteSchedule });
  printLine(deleteSchedule ? `schedule ${id} deleted` : `schedule ${id} was already gone`);
}

/** schedules create|list|pause|resume|trigger|delete: recurring jobs on either lane. */
export function registerScheduleCommands(program: Command): void {
  const schedules = withClientOptions(
    program
      .command('schedules')
      .description('recurring jobs: BullMQ job schedulers and Temporal Schedules'),
  );
  withClientOptions(schedules.command('create <type>'))
    .description('create a schedule of <type>, or replace the one with --id (OPERATOR)')
    .option('--id <id>', 'schedule id; an existing one is replaced (default: a new id)')
    .option('--cron <expr>', 'cron expression, 5 fields or 6 with seconds first')
    .option(
      '--every <ms>',
      'interval between runs, ms (at least 1000)',
      intArg(1000, 2_147_483_647),
    )
    .option('--timezone <zone>', 'IANA zone the cron expression is read in (default UTC)')
    .option('--input <json>', 'input of every run as JSON, or @file.json', jsonArg)
    .option(
      '--backend <backend>',
      'AUTO, BULLMQ or TEMPORAL',
      enumArg(['AUTO', 'BULLMQ', 'TEMPORAL']),
    )
    .option(
      '--overlap <policy>',
      'SKIP, BUFFER_ONE or ALLOW_ALL (default SKIP)',
      enumArg(['SKIP', 'BUFFER_ONE', 'ALLOW_ALL']),
    )
    .option('--paused', 'create it paused')
    .action(run(create));
  withClientOptions(schedules.command('list'))
    .description("the tenant's schedules with their next run")
    .action(run(list));
  withClientOptions(schedules.command('pause <id>'))
    .description('stop the runs of a schedule (OPERATOR)')
    .option('--note <text>', 'why it is paused')
    .action(run((inv) => change(inv, 'pauseSchedule')));
  withClientOptions(schedules.command('resume <id>'))
    .description('start the runs of a paused schedule again (OPERATOR)')
    .action(run((inv) => change(inv, 'resumeSchedule')));
  withClientOptions(schedules.command('trigger <id>'))
    .description('start one run now, whatever the spec and overlap policy say (OPERATOR)')
    .action(run(trigger));
  withClientOptions(schedules.command('delete <id>'))
    .description('delete a schedule; runs already started go on (OPERATOR)')
    .action(run(remove));
}
