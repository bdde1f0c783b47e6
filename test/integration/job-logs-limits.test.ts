import { definitionsOf } from '../../src/sdk/load-modules';
import { startLaneStack } from '../fixtures/lane-stack';
import type { LaneStack } from '../fixtures/lane-stack';
import * as logJobs from '../fixtures/log-jobs';

let stack: LaneStack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

interface Line {
  id: string;
  at: string;
  attempt: number | null;
  line: string;
}

const LOGS = `query($id: ID!, $first: Int) {
  job(id: $id) { status logs(first: $first) { id at attempt line } }
}`;

async function logsOf(s: LaneStack, id: string): Promise<{ status: string; logs: Line[] }> {
  const r = await s.gql<{ job: { status: string; logs: Line[] } }>(LOGS, { id, first: 100 });
  if (!r.data?.job) throw new Error(JSON.stringify(r.errors));
  return r.data.job;
}

const env = { LOG_MAX_LINES: '20', LOG_MAX_LINE_BYTES: '100' };

describe.each(['BULLMQ', 'TEMPORAL'] as const)('job logs with their limits on %s', (backend) => {
  const temporal = backend === 'TEMPORAL';

  it('keeps 20 of 30 lines, cuts the long one with a marker, and says in one line that 10 were dropped', async () => {
    stack = await startLaneStack({ jobs: definitionsOf(logJobs), env, temporal });
    const job = await stack.submit({ type: logJobs.thirtyLines.name, backend });
    const done = await stack.waitForStatus(job.id, ['SUCCEEDED', 'FAILED'], 40_000);
    expect(done.status).toBe('SUCCEEDED');
    const s = stack;
    const { logs } = await s.waitFor(
      async () => {
        const got = await logsOf(s, job.id);
        return got.logs.length >= 21 ? got : null;
      },
      10_000,
      '21 stored log lines',
    );
    expect(logs).toHaveLength(21);
    const kept = logs.slice(0, 20).map((l) => l.line);
    const long = kept[logJobs.LONG_LINE_AT - 1];
    const longBytes = Buffer.byteLength(long);
    console.log(
      `logs on ${backend}: ${logs.length} lines stored; long line cut to ${longBytes} bytes: ${JSON.stringify(long.slice(90))}; last: ${JSON.stringify(logs[20].line)}`,
    );
    expect(kept.filter((_, i) => i !== logJobs.LONG_LINE_AT - 1)).toEqual(
      Array.from({ length: 20 }, (_, i) => `line ${i + 1}`).filter(
        (_, i) => i !== logJobs.LONG_LINE_AT - 1,
      ),
    );
    expect(long.startsWith(`line ${logJobs.LONG_LINE_AT} xxxx`)).toBe(true);
    expect(long).toContain('truncated');
    expect(longBytes).toBeLessThanOrEqual(130);
    expect(longBytes).toBeGreaterThan(100);
    expect(logs[20].line).toMatch(/\b10\b.*dropped/);
    expect(logs.every((l) => l.attempt === 1)).toBe(true);
    expect(new Set(logs.map((l) => l.id)).size).toBe(21);
  }, 90_000);

  it('shows the lines a job logged while it still runs', async () => {
    stack = await startLaneStack({ jobs: definitionsOf(logJobs), env, temporal });
    const submittedAt = Date.now();
    const job = await stack.submit({
      type: logJobs.logsThenWaits.name,
      input: { ms: 4000 },
      backend,
    });
    const s = stack;
    const early = await s.waitFor(
      async () => {
        const got = await logsOf(s, job.id);
        return got.logs.length >= 2 ? got : null;
      },
      20_000,
      'the first two lines',
    );
    const seenAfterMs = Date.now() - submittedAt;
    console.log(`logs on ${backend}: first lines readable ${seenAfterMs} ms after submit`);
    expect(early.status).toBe('RUNNING');
    expect(early.logs.map((l) => l.line)).toEqual(['before the wait 1', 'before the wait 2']);

    const done = await s.waitForStatus(job.id, ['SUCCEEDED', 'FAILED'], 30_000);
    expect(done.status).toBe('SUCCEEDED');
    const after = await s.waitFor(
      async () => {
        const got = await logsOf(s, job.id);
        return got.logs.length >= 3 ? got : null;
      },
      10_000,
      'the third line',
    );
    expect(after.logs.map((l) => l.line)).toEqual([
      'before the wait 1',
      'before the wait 2',
      'after the wait',
    ]);
  }, 90_000);
});
