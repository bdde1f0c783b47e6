import { defineJob } from '../../src/sdk';
import { startLaneStack } from '../fixtures/lane-stack';
import type { LaneStack } from '../fixtures/lane-stack';

// Fairness under load on BULLMQ: one key submits 100 times as many jobs as each of nine
// others, all of its backlog ahead of theirs. The quiet keys' jobs still start at once,
// not after the backlog; and the busy key keeps its limit of slots meanwhile.

const input = { type: 'object', properties: { acct: { type: 'string' } }, required: ['acct'] };
const run = async () => {
  await new Promise((r) => setTimeout(r, 20));
  return null;
};
const defs = [
  defineJob({ name: 'fair.keyed', input, concurrency: { key: 'input.acct', limit: 4 }, run }),
  defineJob({ name: 'fair.plain', input, run }),
];

describe('fairness under load (BULLMQ)', () => {
  let s: LaneStack;
  beforeAll(async () => {
    s = await startLaneStack({ jobs: defs, env: { WORKER_CONCURRENCY: '8' } });
  }, 60_000);
  afterAll(() => s?.close());

  /** Submits the hot key's 300 jobs, then 3 for each of 9 quiet keys; the quiet jobs' waits, ms. */
  async function load(type: string) {
    const submitBatch = (inputs: { acct: string }[]) =>
      s.gql<{ submitJobs: { id: string; createdAt: string }[] }>(
        'mutation($i: [SubmitJobInput!]!) { submitJobs(inputs: $i) { id createdAt } }',
        { i: inputs.map((x) => ({ type, input: x, backend: 'BULLMQ' })) },
      );
    const hot: string[] = [];
    for (let b = 0; b < 3; b++) {
      const r = await submitBatch(Array.from({ length: 100 }, () => ({ acct: 'hot' })));
      hot.push(...(r.data?.submitJobs ?? []).map((j) => j.id));
    }
    const quietInputs = Array.from({ length: 27 }, (_, i) => ({ acct: `quiet-${i % 9}` }));
    const quiet = (await submitBatch(quietInputs)).data?.submitJobs ?? [];
    expect(hot).toHaveLength(300);
    expect(quiet).toHaveLength(27);
    await s.waitFor(
      async () => {
        const r = await s.gql<any>(
          `query($t: String!) { jobs(filter: { types: [$t], statuses: [QUEUED, RUNNING, DELAYED] }, first: 1) { totalCount } }`,
          { t: type },
        );
        return r.data?.jobs.totalCount === 0;
      },
      120_000,
      `every ${type} job to finish`,
    );
    const events = await s.busEvents();
    const started = new Map(
      events.filter((e) => e.type === 'STARTED').map((e) => [e.jobId, Date.parse(e.timestamp)]),
    );
    const waits = quiet.map((j) => (started.get(j.id) ?? Infinity) - Date.parse(j.createdAt));
    const hotStarts = hot.map((id) => started.get(id) ?? Infinity).sort((a, b) => a - b);
    return { waits: waits.sort((a, b) => a - b), hotStarts };
  }

  it('starts every quiet key before the busy key has worked off its backlog', async () => {
    const plain = await load('fair.plain');
    const keyed = await load('fair.keyed');
    const p99 = (w: number[]) => w[Math.min(w.length - 1, Math.ceil(w.length * 0.99) - 1)];
    // Unkeyed, the quiet jobs wait behind the whole backlog; keyed, they start at once.
    expect(p99(keyed.waits)).toBeLessThan(p99(plain.waits) / 3);
    const half = keyed.hotStarts[Math.floor(keyed.hotStarts.length / 2)];
    const quietLast = keyed.waits.at(-1) as number;
    expect(Number.isFinite(quietLast)).toBe(true);
    expect(quietLast).toBeLessThan(half - keyed.hotStarts[0] + 1000);
    process.stdout.write(
      `fairness: quiet p99 wait ${p99(keyed.waits)} ms keyed, ${p99(plain.waits)} ms unkeyed\n`,
    );
  }, 240_000);
});
