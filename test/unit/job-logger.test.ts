import type { Redis } from 'ioredis';
import type { BusEmitter } from '../../src/bus/event-emitter';
import { Backend } from '../../src/model/enums';
import type { NewJobEvent } from '../../src/model/job-event';
import { JobLogger, truncateLine } from '../../src/lanes/worker/job-logger';
import type { LogBase } from '../../src/lanes/worker/job-logger';

const MARKER = /… \[truncated (\d+) bytes\]$/;

describe('truncateLine', () => {
  const lines: [string, string][] = [
    ['an ASCII', `ascii ${'x'.repeat(500)}`],
    ['a 2-byte', `two bytes ${'é'.repeat(300)}`],
    ['a 3-byte', `three bytes ${'€'.repeat(300)}`],
    ['a 4-byte', `four bytes ${'😀'.repeat(300)}`],
    ['a mixed', `mixed ${'aé€😀'.repeat(200)}`],
  ];

  it('keeps a line within the limit as it is', () => {
    expect(truncateLine('short', 64)).toBe('short');
    const exact = '€'.repeat(30);
    expect(truncateLine(exact, 90)).toBe(exact);
  });

  it.each(lines)(
    'cuts %s line to at most the limit, marker included, on a character boundary',
    (_name, line) => {
      const bytes = Buffer.byteLength(line);
      for (let max = 64; max <= 300; max++) {
        const cut = truncateLine(line, max);
        const m = MARKER.exec(cut);
        expect(m).not.toBeNull();
        expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(max);
        // No half character: the kept part is a prefix of the line, and no U+FFFD appears.
        const kept = cut.slice(0, m!.index);
        expect(line.startsWith(kept)).toBe(true);
        expect(cut).not.toContain('\uFFFD');
        // The marker counts exactly the bytes that went, and at most 3 bytes of room are lost
        // to a split character (a 4-byte one) or to a marker shorter than its worst case.
        expect(Number(m![1])).toBe(bytes - Buffer.byteLength(kept));
        expect(Buffer.byteLength(cut)).toBeGreaterThanOrEqual(max - 4);
      }
    },
  );

  it('keeps the cut alone, within the limit, when the limit leaves no room for the marker', () => {
    const cut = truncateLine('€'.repeat(100), 10);
    expect(cut).toBe('€€€');
  });
});

/** A JobLogger over a Redis counter and a bus kept in memory. */
function memoryLogger(maxLines: number, maxPending?: number) {
  const counters = new Map<string, number>();
  const redis = {
    multi() {
      let n = 0;
      const chain = {
        incr(key: string) {
          n = (counters.get(key) ?? 0) + 1;
          counters.set(key, n);
          return chain;
        },
        expire: () => chain,
        exec: async () => [[null, n]],
      };
      return chain;
    },
  } as unknown as Redis;
  const events: NewJobEvent[] = [];
  const emitter = {
    emitOne: async (e: NewJobEvent) => {
      events.push(e);
      return { ...e, id: String(events.length), timestamp: new Date().toISOString() };
    },
  } as unknown as BusEmitter;
  const logger = new JobLogger(redis, 'p', emitter, { maxLines, maxLineBytes: 100 }, maxPending);
  const lines = (jobId?: string): string[] =>
    events.filter((e) => !jobId || e.jobId === jobId).map((e) => e.message ?? '');
  return { logger, events, lines };
}

const base = (jobId: string, extra: Partial<LogBase> = {}): LogBase => ({
  tenant: 't',
  jobId,
  jobType: 'x',
  queue: 'default',
  source: Backend.TEMPORAL,
  ...extra,
});

describe('JobLogger', () => {
  it("reports each attempt's dropped lines in its own line, which says they are the attempt's", async () => {
    const { logger, lines } = memoryLogger(3);
    const a1 = base('j', { attempt: 1 });
    const a2 = base('j', { attempt: 2 });
    for (let i = 1; i <= 5; i++) await logger.log(a1, `a1 ${i}`);
    await logger.flush(a1);
    for (let i = 1; i <= 4; i++) await logger.log(a2, `a2 ${i}`);
    await logger.flush(a2);
    expect(lines()).toEqual([
      'a1 1',
      'a1 2',
      'a1 3',
      '… 2 more log line(s) of attempt 1 dropped: the limit is 3 lines per job, all attempts together',
      '… 4 more log line(s) of attempt 2 dropped: the limit is 3 lines per job, all attempts together',
    ]);
  });

  it("reports a workflow's own dropped lines once and forgets them", async () => {
    const { logger, events, lines } = memoryLogger(2);
    const wf = base('w', { workflowId: 'w' });
    for (let i = 1; i <= 5; i++) await logger.log(wf, `line ${i}`);
    await logger.flush(wf);
    await logger.flush(wf);
    expect(lines()).toEqual([
      'line 1',
      'line 2',
      '… 3 more log line(s) of the workflow dropped: the limit is 2 lines per job',
    ]);
    expect(events.at(-1)).toMatchObject({ jobId: 'w', workflowId: 'w', type: 'LOG' });
    expect(events.at(-1)?.attempt).toBeUndefined();
  });

  it('holds at most maxPending unreported counts, reporting the least recently dropped-into one early', async () => {
    const { logger, lines } = memoryLogger(1, 2);
    const over = async (jobId: string, n: number): Promise<void> => {
      for (let i = 0; i < n; i++) await logger.log(base(jobId), `${jobId} line`);
    };
    await over('a', 3); // 1 kept, 2 pending
    await over('b', 2); // 1 kept, 1 pending
    await over('a', 1); // a is the most recent again: 3 pending
    expect(lines()).toEqual(['a line', 'b line']);
    await over('c', 2); // a third entry: b, the least recent, is reported now
    expect(lines('b')).toEqual([
      'b line',
      '… 1 more log line(s) of the workflow dropped: the limit is 1 lines per job',
    ]);
    await over('b', 1); // b drops again: a new entry, which pushes out a
    expect(lines('a')).toEqual([
      'a line',
      '… 3 more log line(s) of the workflow dropped: the limit is 1 lines per job',
    ]);
    for (const id of ['a', 'b', 'c']) await logger.flush(base(id));
    expect(lines('b').slice(1)).toEqual([
      '… 1 more log line(s) of the workflow dropped: the limit is 1 lines per job',
      '… 1 more log line(s) of the workflow dropped: the limit is 1 lines per job',
    ]);
    expect(lines('c')).toEqual([
      'c line',
      '… 1 more log line(s) of the workflow dropped: the limit is 1 lines per job',
    ]);
    // Nothing is left to report.
    const before = lines().length;
    for (const id of ['a', 'b', 'c']) await logger.flush(base(id));
    expect(lines()).toHaveLength(before);
  });
});
