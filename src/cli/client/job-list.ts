import type { Command } from 'commander';
import { JOBS } from '../../client/documents';
import type { JobPage, JobRow } from '../../client/documents';
import type { Backend } from '../../model/enums';
import { JobStatus } from '../../model/enums';
import { enumListArg, intArg, listArg } from './options';
import type { Invocation } from './options';
import { note, percent, printJson, printLine, table, time } from './output';

const jobColumns = [
  { header: 'ID', value: (j: JobRow) => j.id },
  { header: 'TYPE', value: (j: JobRow) => j.type },
  { header: 'STATUS', value: (j: JobRow) => j.status },
  { header: 'PROGRESS', value: (j: JobRow) => percent(j.progress), align: 'right' as const },
  {
    header: 'ATTEMPTS',
    value: (j: JobRow) => `${j.attempts}/${j.maxAttempts}`,
    align: 'right' as const,
  },
  { header: 'BACKEND', value: (j: JobRow) => j.backend },
  { header: 'QUEUE', value: (j: JobRow) => j.queue },
  { header: 'CREATED', value: (j: JobRow) => time(j.createdAt) },
];

/** `jobs list` and `workflows list`: a page of jobs, newest first, as a table or JSON. */
export async function listJobs(inv: Invocation, backends?: Backend[]): Promise<void> {
  const o = inv.opts as {
    status?: string[];
    type?: string[];
    backend?: Backend;
    first?: number;
    after?: string;
  };
  const filter = {
    statuses: o.status,
    types: o.type,
    backends: backends ?? (o.backend ? [o.backend] : undefined),
  };
  const { jobs } = await inv
    .gateway()
    .request<{ jobs: JobPage }>(JOBS, { filter, first: o.first ?? 50, after: o.after ?? null });
  const rows = jobs.edges.map((e) => e.node);
  if (inv.json) return printJson({ jobs: rows, pageInfo: jobs.pageInfo });
  if (!rows.length) return note('no jobs match');
  printLine(table(jobColumns, rows));
  if (jobs.pageInfo.hasNextPage) note(`more: add --after ${jobs.pageInfo.endCursor}`);
}

/** Options `jobs list` and `workflows list` share. */
export const withListOptions = (cmd: Command): Command =>
  cmd
    .option(
      '--status <statuses>',
      `only these statuses, comma-separated: ${Object.values(JobStatus).join(', ')}`,
      enumListArg(Object.values(JobStatus)),
    )
    .option('--type <types>', 'only these job types, comma-separated', listArg)
    .option('--first <n>', 'how many jobs (1-500; default 50)', intArg(1, 500))
    .option('--after <cursor>', 'the page after this cursor (printed under a full page)');
