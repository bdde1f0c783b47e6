import type { Command } from 'commander';
import { PAUSE_QUEUE, QUEUES, RESUME_QUEUE } from '../../client/documents';
import type { QueueRow } from '../../client/documents';
import { run, withClientOptions } from './options';
import type { Invocation } from './options';
import { note, printJson, printLine, table } from './output';

const count = (key: keyof QueueRow) => ({
  header: key.toUpperCase(),
  value: (q: QueueRow) => String(q[key]),
  align: 'right' as const,
});

async function list(inv: Invocation): Promise<void> {
  const { queues } = await inv.gateway().request<{ queues: QueueRow[] }>(QUEUES);
  if (inv.json) return printJson(queues);
  if (!queues.length) return note('no queues');
  printLine(
    table(
      [
        { header: 'NAME', value: (q) => q.name },
        { header: 'BACKEND', value: (q) => q.backend },
        { header: 'STATE', value: (q) => (q.paused ? 'paused' : 'running') },
        count('waiting'),
        count('active'),
        count('delayed'),
        count('completed'),
        count('failed'),
      ],
      queues,
    ),
  );
}

async function toggle(inv: Invocation, mutation: 'pauseQueue' | 'resumeQueue'): Promise<void> {
  const [name] = inv.args as [string];
  const data = await inv
    .gateway()
    .request<Record<string, QueueRow>>(mutation === 'pauseQueue' ? PAUSE_QUEUE : RESUME_QUEUE, {
      name,
    });
  const q = data[mutation];
  if (inv.json) return printJson(q);
  printLine(
    `queue ${q.name} is ${q.paused ? 'paused' : 'running'} (${q.waiting} waiting, ${q.active} active, ${q.delayed} delayed)`,
  );
}

/** queues list|pause|resume: the BullMQ queues (ADMIN to pause or resume). */
export function registerQueueCommands(program: Command): void {
  const queues = withClientOptions(
    program.command('queues').description('BullMQ queues and Temporal task queues'),
  );
  withClientOptions(queues.command('list'))
    .description('every queue with its counts')
    .action(run(list));
  withClientOptions(queues.command('pause <name>'))
    .description(
      'stop workers taking new jobs from a BullMQ queue (ADMIN); jobs already running finish',
    )
    .action(run((inv) => toggle(inv, 'pauseQueue')));
  withClientOptions(queues.command('resume <name>'))
    .description('let workers take jobs from a paused BullMQ queue again (ADMIN)')
    .action(run((inv) => toggle(inv, 'resumeQueue')));
}
