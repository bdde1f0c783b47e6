import type { JobEvent } from '../../src/model/job-event';
import { definitionsOf } from '../../src/sdk/load-modules';
import { startLaneStack } from '../fixtures/lane-stack';
import type { LaneStack } from '../fixtures/lane-stack';
import * as logJobs from '../fixtures/log-jobs';
import { thirtyLinesWf } from '../fixtures/log-workflow-jobs';

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

/** The job's stored lines, once at least `n` are stored (the aggregator writes them a little later). */
function logsAtLeast(
  s: LaneStack,
  id: string,
  n: number,
  what: string,
  timeoutMs = 10_000,
): Promise<{ status: string; logs: Line[] }> {
  return s.waitFor(
    async () => {
      const got = await logsOf(s, id);
      return got.logs.length >= n ? got : null;
    },
    timeoutMs,
    what,
  );
}

const env = { LOG_MAX_LINES: '20', LOG_MAX_LINE_BYTES: '100' };

const MARKER = /… \[truncated (\d+) bytes\]$/;

/** Checks that `cut` is `line` cut to at most 100 bytes, marker included, on a character boundary. */
function expectCut(cut: string, line: string): void {
  const m = MARKER.exec(cut);
  expect(m).not.toBeNull();
  expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(100);
  expect(Buffer.byteLength(cut)).toBeGreaterThan(90);
  expect(cut).not.toContain('\uFFFD');
  const kept = cut.slice(0, m!.index);
  expect(line.startsWith(kept)).toBe(true);
  expect(Number(m![1])).toBe(Buffer.byteLength(line) - Buffer.byteLength(kept));
}

describe.each(['BULLMQ', 'TEMPORAL'] as const)('job logs with their limits on %s', (backend) => {
  const temporal = backend === 'TEMPORAL';

  it('keeps 20 of 30 lines, cuts the long one to the limit with its marker, and says in one line that 10 of the attempt were dropped', async () => {
    stack = await startLaneStack({ jobs: definitionsOf(logJobs), env, temporal });
    const job = await stack.submit({ type: logJobs.thirtyLines.name, backend });
    const done = await stack.waitForStatus(job.id, ['SUCCEEDED', 'FAILED'], 40_000);
    expect(done.status).toBe('SUCCEEDED');
    const s = stack;
    const { logs } = await logsAtLeast(s, job.id, 21, '21 stored log lines');
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
    expectCut(long, `line ${logJobs.LONG_LINE_AT} ${'x'.repeat(500)}`);
    expect(logs[20].line).toBe(
      '… 10 more log line(s) of attempt 1 dropped: the limit is 20 lines per job, all attempts together',
    );
    expect(logs.every((l) => l.attempt === 1)).toBe(true);
    expect(new Set(logs.map((l) => l.id)).size).toBe(21);
  }, 90_000);

  it('cuts lines of 2-, 3- and 4-byte characters to the limit in bytes, marker included, never inside a character', async () => {
    stack = await startLaneStack({ jobs: definitionsOf(logJobs), env, temporal });
    const job = await stack.submit({ type: logJobs.wideLines.name, backend });
    const done = await stack.waitForStatus(job.id, ['SUCCEEDED', 'FAILED'], 40_000);
    expect(done.status).toBe('SUCCEEDED');
    const s = stack;
    const { logs } = await logsAtLeast(s, job.id, logJobs.WIDE_LINES.length, 'the wide lines');
    expect(logs).toHaveLength(logJobs.WIDE_LINES.length);
    console.log(
      `logs on ${backend}: wide lines cut to ${logs.map((l) => Buffer.byteLength(l.line)).join(', ')} bytes`,
    );
    logs.forEach((l, i) => expectCut(l.line, logJobs.WIDE_LINES[i]));
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
    const early = await logsAtLeast(s, job.id, 2, 'the first two lines', 20_000);
    const seenAfterMs = Date.now() - submittedAt;
    console.log(`logs on ${backend}: first lines readable ${seenAfterMs} ms after submit`);
    // The job's row and its lines are two reads within one request: the aggregator may commit
    // STARTED and the lines (one transaction) between them. A read after this one sees both.
    expect((await logsOf(s, job.id)).status).toBe('RUNNING');
    expect(early.logs.map((l) => l.line)).toEqual(['before the wait 1', 'before the wait 2']);

    const done = await s.waitForStatus(job.id, ['SUCCEEDED', 'FAILED'], 30_000);
    expect(done.status).toBe('SUCCEEDED');
    const after = await logsAtLeast(s, job.id, 3, 'the third line');
    expect(after.logs.map((l) => l.line)).toEqual([
      'before the wait 1',
      'before the wait 2',
      'after the wait',
    ]);
  }, 90_000);
});

describe("a workflow's own log() lines with their limits", () => {
  it('keeps 20 of 30 lines, cuts the long one to the limit, and says once, before the end, that 10 were dropped', async () => {
    stack = await startLaneStack({ jobs: [thirtyLinesWf], env, temporal: true });
    const job = await stack.submit({ type: thirtyLinesWf.name });
    const done = await stack.waitForStatus(job.id, ['SUCCEEDED', 'FAILED'], 60_000);
    expect(done.status).toBe('SUCCEEDED');
    const s = stack;
    const { logs } = await logsAtLeast(s, job.id, 21, '21 stored log lines');
    const dropped = '… 10 more log line(s) of the workflow dropped: the limit is 20 lines per job';
    console.log(
      `workflow logs: ${logs.length} lines stored; long line cut to ${Buffer.byteLength(logs[4].line)} bytes; last: ${JSON.stringify(logs.at(-1)?.line)}`,
    );
    expect(logs).toHaveLength(21);
    expect(logs.filter((_, i) => i !== 4).map((l) => l.line)).toEqual([
      ...Array.from({ length: 20 }, (_, i) => `line ${i + 1}`).filter((_, i) => i !== 4),
      dropped,
    ]);
    expectCut(logs[4].line, `line 5 ${'€'.repeat(200)}`);
    expect(logs.every((l) => l.attempt === null)).toBe(true);

    // The dropped line comes once, before the workflow's COMPLETED, as a processor's does.
    const events = await s.busEvents(job.id);
    const at = (pred: (e: JobEvent) => boolean): number => events.findIndex(pred);
    expect(events.filter((e) => e.message === dropped)).toHaveLength(1);
    expect(at((e) => e.message === dropped)).toBeLessThan(at((e) => e.type === 'COMPLETED'));
    expect(at((e) => e.type === 'COMPLETED')).toBeGreaterThan(-1);
  }, 120_000);
});
