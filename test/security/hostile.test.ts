import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { startTemporalStack } from '../helpers/temporal-stack';
import type { TemporalStack } from '../helpers/temporal-stack';
import type { AttackerKeys, AttackModule, Hostile } from './hostile/harness';

/**
 * Every attack of the hostile-input review, against one real stack (both lanes), while a
 * second tenant keeps submitting and reading. Each attack is in
 * `hostile/<area>.attacks.ts`; the last test judges what the bystander saw.
 */
const ATTACKER = 'mallory';
const BYSTANDER = 'bystander';

let stack: TemporalStack;
let attacker: AttackerKeys;
let bystanderKey: string;
let bystanderJobId = '';

const latencies: number[] = [];
/** The slowest reads, with the attack that was running: where to look when p99 climbs. */
const slowest: { ms: number; during: string }[] = [];
const submitted: string[] = [];
const failures: string[] = [];
let loop: Promise<void> | undefined;
let running = false;

/** The bystander: reads `{ me }` and submits an `echo` job, over and over. */
async function bystander(): Promise<void> {
  let n = 0;
  while (running) {
    const t0 = performance.now();
    try {
      const during = expect.getState().currentTestName ?? 'between tests';
      const me = await stack.gql('{ me { tenant } }', undefined, bystanderKey);
      const ms = performance.now() - t0;
      latencies.push(ms);
      if (ms > 50) slowest.push({ ms: Math.round(ms), during });
      if (me.data?.me?.tenant !== BYSTANDER) failures.push(`me: ${JSON.stringify(me)}`);
      if (n++ % 2 === 0) {
        const r = await stack.gql<{ submitJob: { id: string } }>(
          'mutation($i: SubmitJobInput!) { submitJob(input: $i) { id } }',
          { i: { type: 'echo', input: { n }, idempotencyKey: `bystander-${n}` } },
          bystanderKey,
        );
        if (r.data?.submitJob) submitted.push(r.data.submitJob.id);
        else failures.push(`submit: ${JSON.stringify(r.errors)}`);
      }
    } catch (err) {
      failures.push(`request: ${String(err)}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
}

const hostile: Hostile = {
  get stack() {
    return stack;
  },
  get attacker() {
    return attacker;
  },
  attackerTenant: ATTACKER,
  get bystanderJobId() {
    return bystanderJobId;
  },
};

beforeAll(async () => {
  stack = await startTemporalStack({
    // The real limits: the stack helper turns the rate limit off for ordinary suites.
    env: { RATE_LIMIT_PER_SECOND: '50', AUTH_FAILURES_PER_MINUTE: '30' },
  });
  attacker = {
    viewer: await stack.createKey(ATTACKER, 'VIEWER'),
    operator: await stack.createKey(ATTACKER, 'OPERATOR'),
    admin: await stack.createKey(ATTACKER, 'ADMIN'),
  };
  bystanderKey = await stack.createKey(BYSTANDER, 'OPERATOR');
  const first = await stack.submit({ type: 'echo', input: { first: true } }, bystanderKey);
  bystanderJobId = first.id;
  submitted.push(first.id);
  running = true;
  loop = bystander();
}, 120_000);

afterAll(async () => {
  running = false;
  await loop;
  await stack?.close();
});

const modules = readdirSync(join(__dirname, 'hostile'))
  .filter((f) => f.endsWith('.attacks.ts'))
  .sort();

describe('hostile input', () => {
  for (const f of modules) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(join(__dirname, 'hostile', f)) as AttackModule;
    mod.attacks(hostile);
  }

  it('left the other tenant unharmed: fast reads, every job stored as SUCCEEDED', async () => {
    // However quickly the attacks ran, judge at least 40 of the bystander's reads.
    await stack.waitFor(async () => latencies.length >= 40, 30_000, '40 bystander reads');
    running = false;
    await loop;
    expect(failures).toEqual([]);
    expect(latencies.length).toBeGreaterThan(20);
    const sorted = [...latencies].sort((a, b) => a - b);
    const p99 = sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))];
    console.log(
      `bystander: ${latencies.length} reads, p50 ${sorted[Math.floor(sorted.length / 2)].toFixed(1)} ms, p99 ${p99.toFixed(1)} ms; ${submitted.length} jobs`,
    );
    if (slowest.length)
      console.log(
        `bystander reads over 50 ms: ${JSON.stringify(slowest.sort((a, b) => b.ms - a.ms).slice(0, 8))}`,
      );
    expect(p99).toBeLessThan(200);
    const ids = [...new Set(submitted)];
    await stack.waitFor(
      async () => {
        const r = await stack.gql<{ jobs: { totalCount: number } }>(
          '{ jobs(first: 1, filter: { statuses: [SUCCEEDED], types: ["echo"] }) { totalCount } }',
          undefined,
          bystanderKey,
        );
        return (r.data?.jobs.totalCount ?? 0) >= ids.length;
      },
      60_000,
      `${ids.length} bystander jobs SUCCEEDED in the store`,
    );
  }, 120_000);
});
