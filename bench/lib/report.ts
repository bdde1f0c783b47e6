import { appendFileSync, existsSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import type { Machine } from './machine';
import type { MetricResult } from './metric';

const fmt = (x: number | null): string =>
  x === null ? '—' : Math.abs(x) >= 100 ? x.toFixed(0) : String(x);
const verdict = (r: MetricResult, judged: boolean): string => {
  if (r.pass === null) return r.notes?.startsWith('not run') ? 'not run' : '—';
  if (!judged) return r.pass ? '(pass)' : '(miss)';
  return r.pass ? 'pass' : 'MISS';
};

/** The results as a Markdown table (also readable as plain text). */
export function table(results: MetricResult[], judged: boolean): string {
  const rows = [
    ['metric', 'unit', 'jobgate', 'baseline', 'ratio', 'target', 'result'],
    ...results.map((r) => [
      r.name,
      r.unit,
      fmt(r.jobgate),
      fmt(r.baseline),
      fmt(r.ratio),
      r.target,
      verdict(r, judged),
    ]),
  ];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  const line = (row: string[]): string =>
    `| ${row.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [
    line(rows[0]),
    `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`,
    ...rows.slice(1).map(line),
  ].join('\n');
}

export function writeResults(path: string, results: MetricResult[]): void {
  writeFileSync(path, `${JSON.stringify(results, null, 2)}\n`);
}

const HEADER = `# Benchmarks

Written by \`npm run bench\` (\`bench/run.ts\`): each run appends a section below.
How the suite measures, and what the figures led to, is in the first sections;
the runs follow, oldest first.
`;

/** Appends one dated section: machine, table, notes per metric. */
export function appendRun(
  path: string,
  o: {
    results: MetricResult[];
    machine: Machine;
    mode: 'full' | 'quick';
    seconds: number;
    startedAt: Date;
  },
): void {
  if (!existsSync(path)) writeFileSync(path, HEADER);
  const m = o.machine;
  const notes = o.results.filter((r) => r.notes).map((r) => `- **${r.name}**: ${r.notes}`);
  const section = [
    '',
    `## Run of ${o.startedAt.toISOString().replace(/\.\d+Z$/, 'Z')} (${o.mode}${o.mode === 'quick' ? ': reduced sizes, ratios not judged' : ''})`,
    '',
    `Machine: ${m.cores} cores (${m.cpu}), ${m.memoryGiB} GiB; Node ${m.node}; Redis ${m.redis}; Postgres ${m.postgres}; Temporal CLI ${m.temporal}.`,
    `Load average: ${m.loadAtStart} at start, ${loadavg()[0].toFixed(2)} at end (the machine is shared with other work). Took ${Math.round(o.seconds)} s.`,
    '',
    table(o.results, o.mode === 'full'),
    '',
    ...notes,
    '',
  ].join('\n');
  appendFileSync(path, section);
}
