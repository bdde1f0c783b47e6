import type { JobEvent } from '../../src/model/job-event';
import { compareStreamIds, isStreamId } from '../../src/model/stream-id';
import { Backend, JobEventType, JobStatus, Priority } from '../../src/model/enums';
import type { JobRecord } from '../../src/model/job-record';
import { applyPatch, foldEvent, SUBMITTED } from '../../src/model/status-model';

const ev = (id: string, type: JobEventType, extra: Partial<JobEvent> = {}): JobEvent => ({
  id,
  tenant: 't',
  source: Backend.BULLMQ,
  type,
  jobId: 'j',
  jobType: 'echo',
  queue: 'default',
  timestamp: new Date(Number(id.split('-')[0])).toISOString(),
  ...extra,
});

const job: JobRecord = {
  id: 'j',
  tenant: 't',
  type: 'echo',
  backend: Backend.BULLMQ,
  routingReason: 'r',
  queue: 'default',
  status: JobStatus.QUEUED,
  priority: Priority.NORMAL,
  progress: 0,
  attempts: 0,
  maxAttempts: 3,
  input: {},
  result: null,
  error: null,
  idempotencyKey: null,
  delayMs: null,
  createdAt: new Date(),
  startedAt: null,
  finishedAt: null,
  lastEventId: null,
};

describe('the status model', () => {
  it('folds a retried run into SUCCEEDED with the attempt count and the result', () => {
    const events = [
      ev('1000-0', JobEventType.QUEUED),
      ev('1001-0', JobEventType.STARTED, { attempt: 1 }),
      ev('1002-0', JobEventType.RETRYING, { attempt: 1, message: 'boom' }),
      ev('1003-0', JobEventType.STARTED, { attempt: 2 }),
      ev('1004-0', JobEventType.PROGRESS, { attempt: 2, progress: 50 }),
      ev('1005-0', JobEventType.COMPLETED, { attempt: 2, meta: { result: { ok: true } } }),
    ];
    const patch = events.reduce<ReturnType<typeof foldEvent> | undefined>(
      (p, e) => foldEvent(p, e),
      undefined,
    )!;
    const done = applyPatch(job, patch);
    expect(done).toMatchObject({
      status: JobStatus.SUCCEEDED,
      attempts: 2,
      progress: 100,
      result: { ok: true },
      error: null,
      lastEventId: '1005-0',
    });
    expect(done.startedAt?.getTime()).toBe(1001);
    expect(done.finishedAt?.getTime()).toBe(1005);
  });

  it('starts over on QUEUED after a failure (retryJob)', () => {
    const failed = applyPatch(
      job,
      foldEvent(undefined, ev('2000-0', JobEventType.FAILED, { attempt: 3, message: 'no' })),
    );
    expect(failed).toMatchObject({ status: JobStatus.FAILED, error: 'no' });
    const again = applyPatch(
      { ...failed, attempts: 3 },
      foldEvent(undefined, ev('2001-0', JobEventType.QUEUED)),
    );
    expect(again).toMatchObject({
      status: JobStatus.QUEUED,
      error: null,
      finishedAt: null,
      attempts: 0,
      progress: 0,
    });
  });

  it('keeps a final status against a later event of the same run folded in the same batch', () => {
    // A flow parent's WAITING ("1 of 3 children left") may trail its FAILED on the bus.
    const p = [
      ev('3000-0', JobEventType.FAILED, { message: 'child c failed' }),
      ev('3001-0', JobEventType.WAITING, { message: 'waiting for 1 of 3 children' }),
    ].reduce<ReturnType<typeof foldEvent> | undefined>((acc, e) => foldEvent(acc, e), undefined)!;
    expect(applyPatch(job, p)).toMatchObject({ status: JobStatus.FAILED, error: 'child c failed' });
    // A new run (QUEUED) still starts over.
    expect(foldEvent(p, ev('3002-0', JobEventType.QUEUED)).status).toBe(JobStatus.QUEUED);
  });

  it('lets an event override the status its type implies (a delayed QUEUED)', () => {
    const p = foldEvent(undefined, ev('1-0', JobEventType.QUEUED, { status: JobStatus.DELAYED }));
    expect(p.status).toBe(JobStatus.DELAYED);
  });

  it("a submission's QUEUED that lands after the run's events takes nothing back", () => {
    const submitted = (id: string) => ev(id, JobEventType.QUEUED, { meta: { [SUBMITTED]: true } });
    // Folded in the same batch, after the run ended.
    let p = foldEvent(undefined, ev('1-0', JobEventType.STARTED));
    p = foldEvent(p, ev('2-0', JobEventType.COMPLETED, { meta: { result: 7 } }));
    p = foldEvent(p, submitted('3-0'));
    expect(p).toMatchObject({ status: JobStatus.SUCCEEDED, result: 7, lastEventId: '3-0' });
    expect(p.reset).toBeUndefined();
    // Alone in a later batch: it moves the cursor and changes nothing else.
    expect(foldEvent(undefined, submitted('4-0'))).toEqual({ lastEventId: '4-0' });
    const running = applyPatch(
      applyPatch(job, foldEvent(undefined, ev('5-0', JobEventType.STARTED))),
      foldEvent(undefined, submitted('6-0')),
    );
    expect(running.status).toBe(JobStatus.RUNNING);
    expect(running.startedAt).not.toBeNull();
  });
});

describe('stream ids', () => {
  it('order by milliseconds, then sequence, numerically', () => {
    expect(compareStreamIds('1000-10', '1000-9')).toBeGreaterThan(0);
    expect(compareStreamIds('999-0', '1000-0')).toBeLessThan(0);
    expect(compareStreamIds('5-5', '5-5')).toBe(0);
    expect(isStreamId('12-3')).toBe(true);
    expect(isStreamId('12')).toBe(false);
    expect(isStreamId("1-0'; DROP")).toBe(false);
  });
});
