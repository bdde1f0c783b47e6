import { spawn } from 'node:child_process';
import { notRun } from '../lib/metric';
import type { BenchContext, MetricResult } from '../lib/metric';

const NAME = 'soak RSS growth';
const UNIT = '% after 1st min';
const TARGET = '< 10%, no error, no loss';
/** The soak: 3 minutes at 300 jobs/s with 200 subscribers. */
const SECONDS = 180;

interface SoakFigures {
  jobsPerSecond: number;
  accepted: number;
  events: number;
  pushes: number;
  failures: number;
  subscriberErrors: number;
  subscribersWithGapsOrDuplicates: number;
  gatewayRss: { afterFirstThird: string; end: string; max: string; growthPercent: number };
  machine: { loadAverage1m: number };
}

/**
 * Drill 7 at full length: runs test/faults/soak.test.ts (gateway, aggregator
 * and worker as their own processes, the real services) for 3 minutes and
 * reports its figures. The test itself judges losses, errors and growth; the
 * row passes when it passes. CI runs the same drill for 20 s in `npm test`.
 */
export async function soakMetric(ctx: BenchContext): Promise<MetricResult[]> {
  if (ctx.quick) return [notRun(NAME, UNIT, TARGET, 'full mode only (npm test runs it for 20 s)')];
  ctx.say(`soak: ${SECONDS} s at 300 jobs/s with 200 subscribers (test/faults/soak.test.ts)`);
  const { code, output } = await new Promise<{ code: number | null; output: string }>((done) => {
    const child = spawn('npx', ['jest', '--runInBand', '--forceExit', 'test/faults/soak.test.ts'], {
      env: { ...process.env, SOAK_SECONDS: String(SECONDS), JOBGATE_FAULTS: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (out += b.toString()));
    child.on('close', (c) => done({ code: c, output: out }));
  });
  const line = /soak: (\{.*\})/.exec(output)?.[1];
  if (!line) {
    ctx.say(output.slice(-3000));
    return [notRun(NAME, UNIT, TARGET, `the soak printed no figures (jest exit ${code})`)];
  }
  const f = JSON.parse(line) as SoakFigures;
  return [
    {
      name: NAME,
      unit: UNIT,
      jobgate: f.gatewayRss.growthPercent,
      baseline: null,
      ratio: null,
      target: TARGET,
      pass: code === 0,
      notes:
        `${SECONDS} s, ${f.jobsPerSecond} jobs/s, ${f.accepted} jobs, ${f.events} events, ${f.pushes} pushes; ` +
        `gateway RSS ${f.gatewayRss.afterFirstThird} after the first third, ${f.gatewayRss.end} at the end (max ${f.gatewayRss.max}); ` +
        `failures ${f.failures}, subscriber errors ${f.subscriberErrors}, subscribers with gaps or duplicates ${f.subscribersWithGapsOrDuplicates}; ` +
        `load ${f.machine.loadAverage1m}; jest exit ${code}`,
    },
  ];
}
