/**
 * The overlap decisions BullMQ's schedules get from jobgate's gate, against the real Redis,
 * in the orders that races produce: what the lane suite's timing check can only see sometimes.
 */
import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { OverlapPolicy } from '../../src/model/schedule';
import { ScheduleGate } from '../../src/lanes/bullmq/worker/schedule-gate';
import type { Admission } from '../../src/lanes/bullmq/worker/schedule-gate';
import { REDIS_URL } from '../helpers/stack';

let redis: Redis;
let gate: ScheduleGate;
const prefix = `gate-test-${randomBytes(4).toString('hex')}`;
const HOLD = 60_000;

beforeAll(() => {
  redis = new Redis(REDIS_URL);
  gate = new ScheduleGate(redis, prefix);
});
afterAll(async () => {
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
});

const schedule = (): string => `s-${randomBytes(4).toString('hex')}`;
const ask = (id: string, s: string, overlap: OverlapPolicy, trigger = false): Promise<Admission> =>
  gate.admit(id, s, overlap, trigger, HOLD);
const kinds = async (...admissions: Promise<Admission>[]): Promise<string[]> =>
  (await Promise.all(admissions)).map((a) => a.kind);
const release = async (a: Admission): Promise<void> => {
  if (a.kind !== 'run') throw new Error(`expected a run, got ${a.kind}`);
  await a.release();
};

describe('BUFFER_ONE', () => {
  it('buffers one run while one runs, and drops the rest', async () => {
    const s = schedule();
    const a = await ask('a', s, OverlapPolicy.BUFFER_ONE);
    expect(a.kind).toBe('run');
    expect(await kinds(ask('b', s, OverlapPolicy.BUFFER_ONE))).toEqual(['wait']);
    expect(await kinds(ask('c', s, OverlapPolicy.BUFFER_ONE))).toEqual(['skip']);
    // The buffered run looks again while the first still runs: it keeps waiting.
    expect(await kinds(ask('b', s, OverlapPolicy.BUFFER_ONE))).toEqual(['wait']);
    await release(a);
    const b = await ask('b', s, OverlapPolicy.BUFFER_ONE);
    expect(b.kind).toBe('run');
    // Starting freed the buffer: the next due run is buffered behind it.
    expect(await kinds(ask('d', s, OverlapPolicy.BUFFER_ONE))).toEqual(['wait']);
    await release(b);
  });

  it('starts the buffered run next, even when a newly due run asks first after the end', async () => {
    const s = schedule();
    const a = await ask('a', s, OverlapPolicy.BUFFER_ONE);
    expect(await kinds(ask('b', s, OverlapPolicy.BUFFER_ONE))).toEqual(['wait']);
    await release(a);
    // 'c' comes due before 'b' looks again: 'b' gets the slot and 'c' becomes the buffered run.
    expect(await kinds(ask('c', s, OverlapPolicy.BUFFER_ONE))).toEqual(['wait']);
    const b = await ask('b', s, OverlapPolicy.BUFFER_ONE);
    expect(b.kind).toBe('run');
    expect(await kinds(ask('d', s, OverlapPolicy.BUFFER_ONE))).toEqual(['skip']);
    expect(await kinds(ask('c', s, OverlapPolicy.BUFFER_ONE))).toEqual(['wait']);
    await release(b);
    const c = await ask('c', s, OverlapPolicy.BUFFER_ONE);
    expect(c.kind).toBe('run');
    await release(c);
    expect(await redis.exists(`${prefix}:schedule:${s}:running`)).toBe(0);
    expect(await redis.exists(`${prefix}:schedule:${s}:buffered`)).toBe(0);
  });

  it('lets a run that already holds the slot (a stalled attempt put back) run again', async () => {
    const s = schedule();
    const a = await ask('a', s, OverlapPolicy.BUFFER_ONE);
    expect(a.kind).toBe('run');
    const again = await ask('a', s, OverlapPolicy.BUFFER_ONE);
    expect(again.kind).toBe('run');
    await release(again);
    expect(await redis.exists(`${prefix}:schedule:${s}:running`)).toBe(0);
  });

  it('decides one winner when many due runs ask at once', async () => {
    const s = schedule();
    const ids = Array.from({ length: 20 }, (_, i) => `r${i}`);
    const got = await kinds(...ids.map((id) => ask(id, s, OverlapPolicy.BUFFER_ONE)));
    expect(got.filter((k) => k === 'run')).toHaveLength(1);
    expect(got.filter((k) => k === 'wait')).toHaveLength(1);
    expect(got.filter((k) => k === 'skip')).toHaveLength(18);
  });
});

describe('SKIP', () => {
  it('drops every run while one runs, and never buffers', async () => {
    const s = schedule();
    const a = await ask('a', s, OverlapPolicy.SKIP);
    expect(await kinds(ask('b', s, OverlapPolicy.SKIP), ask('c', s, OverlapPolicy.SKIP))).toEqual([
      'skip',
      'skip',
    ]);
    expect(await redis.exists(`${prefix}:schedule:${s}:buffered`)).toBe(0);
    await release(a);
    expect((await ask('d', s, OverlapPolicy.SKIP)).kind).toBe('run');
  });
});

describe('trigger and ALLOW_ALL', () => {
  it('a trigger always runs, and holds the slot only when it was free', async () => {
    const s = schedule();
    const t = await ask('t', s, OverlapPolicy.SKIP, true);
    expect(t.kind).toBe('run');
    expect(await kinds(ask('due', s, OverlapPolicy.SKIP))).toEqual(['skip']);
    const t2 = await ask('t2', s, OverlapPolicy.SKIP, true);
    expect(t2.kind).toBe('run');
    await release(t2); // does not free the slot the first trigger holds
    expect(await redis.get(`${prefix}:schedule:${s}:running`)).toBe('t');
    await release(t);
    expect(await redis.exists(`${prefix}:schedule:${s}:running`)).toBe(0);
  });

  it('ALLOW_ALL takes no key', async () => {
    const s = schedule();
    expect(
      await kinds(ask('a', s, OverlapPolicy.ALLOW_ALL), ask('b', s, OverlapPolicy.ALLOW_ALL)),
    ).toEqual(['run', 'run']);
    expect(await redis.keys(`${prefix}:schedule:${s}:*`)).toEqual([]);
  });
});
