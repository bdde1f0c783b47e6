import 'reflect-metadata';
import { join } from 'node:path';
import { describeMachine } from './lib/machine';
import { notRun } from './lib/metric';
import type { BenchContext, MetricResult } from './lib/metric';
import { appendRun, table, writeResults } from './lib/report';
import { fairnessMetrics } from './metrics/fairness';
import { fanoutMetric } from './metrics/fanout';
import { memoryMetric } from './metrics/memory';
import { persistenceMetrics } from './metrics/persistence';
import { queryScaleMetrics } from './metrics/query-scale';
import { soakMetric } from './metrics/soak';
import { submitMetrics } from './metrics/submit';
import { temporalMetric, temporalBinary } from './metrics/temporal';

/** Every metric group, in the order of the table. */
const groups: Record<string, (ctx: BenchContext) => Promise<MetricResult[]>> = {
  submit: submitMetrics,
  fanout: fanoutMetric,
  memory: memoryMetric,
  persistence: persistenceMetrics,
  temporal: temporalMetric,
  query: queryScaleMetrics,
  fairness: fairnessMetrics,
  soak: soakMetric,
};

const USAGE = `npm run bench -- [--quick] [--only=${Object.keys(groups).join(',')}] [--no-record]
  --quick      reduced sizes (under 2 minutes), for CI; exits 0 whatever the ratios
  --only       run these metric groups only
  --no-record  do not write bench/results.json nor append to BENCHMARKS.md`;

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  if (args.includes('--help')) {
    console.log(USAGE);
    return 0;
  }
  const quick = args.includes('--quick');
  const record = !args.includes('--no-record');
  const only = args
    .find((a) => a.startsWith('--only='))
    ?.slice('--only='.length)
    .split(',');
  const unknown = only?.filter((g) => !(g in groups)) ?? [];
  if (unknown.length) {
    console.error(`unknown metric group(s): ${unknown.join(', ')}\n${USAGE}`);
    return 2;
  }
  const root = process.cwd();
  const startedAt = new Date();
  const t0 = performance.now();
  const machine = await describeMachine(temporalBinary());
  const ctx: BenchContext = {
    quick,
    shared: {},
    say: (line) =>
      process.stderr.write(
        `[bench ${((performance.now() - t0) / 1000).toFixed(0).padStart(4)} s] ${line}\n`,
      ),
  };
  ctx.say(
    `${quick ? 'quick' : 'full'} run on ${machine.cores} cores, ${machine.memoryGiB} GiB, Node ${machine.node}, Redis ${machine.redis}, Postgres ${machine.postgres}, load ${machine.loadAtStart}`,
  );
  const results: MetricResult[] = [];
  const crashed: string[] = [];
  for (const [name, run] of Object.entries(groups)) {
    if (only && !only.includes(name)) continue;
    ctx.say(`== ${name}`);
    try {
      results.push(...(await run(ctx)));
    } catch (err) {
      // One group failing should not hide the others' figures; the run still fails at the end.
      console.error(err);
      crashed.push(name);
      results.push(
        notRun(name, '—', '—', `crashed: ${String((err as Error).message ?? err).split('\n')[0]}`),
      );
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  console.log(`\njobgate benchmarks (${quick ? 'quick' : 'full'}, ${seconds.toFixed(0)} s)\n`);
  console.log(table(results, !quick));
  for (const r of results) if (r.notes) console.log(`  ${r.name}: ${r.notes}`);
  if (record) {
    writeResults(join(root, 'bench', 'results.json'), results);
    appendRun(join(root, 'BENCHMARKS.md'), {
      results,
      machine,
      mode: quick ? 'quick' : 'full',
      seconds,
      startedAt,
    });
  }
  if (crashed.length) {
    console.log(`\nmetric group(s) crashed: ${crashed.join(', ')}`);
    return 70;
  }
  const missed = results.filter((r) => r.pass === false);
  if (quick || missed.length === 0) return 0;
  console.log(
    `\n${missed.length} target(s) missed: ${missed.map((r) => r.name).join(', ')} (see BENCHMARKS.md)`,
  );
  return 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(70);
  },
);
