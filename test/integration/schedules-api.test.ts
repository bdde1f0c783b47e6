import { randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';
import { scheduleJobs } from '../fixtures/schedule-jobs';
import { startStack } from '../helpers/stack';
import type { Stack } from '../helpers/stack';
import { codeOf, fieldOf, UPSERT, upsertSchedule } from '../helpers/schedules';

let stack: Stack;
let alice: string;
let aliceViewer: string;
let bob: string;
const sid = (what: string): string => `${what}-${randomBytes(4).toString('hex')}`;

beforeAll(async () => {
  stack = await startStack({ jobs: scheduleJobs });
  [alice, aliceViewer, bob] = await Promise.all([
    stack.createKey('alice', 'OPERATOR'),
    stack.createKey('alice', 'VIEWER'),
    stack.createKey('bob', 'OPERATOR'),
  ]);
}, 60_000);
afterAll(async () => {
  await stack?.close();
});

const schedulerIds = async (): Promise<string[]> => {
  const q = new Queue('default', {
    connection: stack.redis,
    prefix: `${stack.config.JOBGATE_PREFIX}:bull`,
  });
  const list = await q.getJobSchedulers();
  await q.close();
  return list.map((s) => s.key);
};

describe('upsertSchedule with bad input', () => {
  const base = { type: 'sched.sleepy', input: { ms: 1 }, everyMs: 60_000 };
  const cases: [string, Record<string, unknown>, string][] = [
    ['a bad cron', { ...base, everyMs: null, cron: '61 * * * *' }, 'input.cron'],
    ['a cron with 3 fields', { ...base, everyMs: null, cron: '* * *' }, 'input.cron'],
    ['a bad time zone', { ...base, timezone: 'Mars/Olympus' }, 'input.timezone'],
    ['both cron and everyMs', { ...base, cron: '* * * * *' }, 'input.everyMs'],
    ['neither cron nor everyMs', { ...base, everyMs: null }, 'input.cron'],
    ['everyMs under 1000', { ...base, everyMs: 999 }, 'input.everyMs'],
    [
      'endAt before startAt',
      { ...base, startAt: '2030-01-02T00:00:00Z', endAt: '2030-01-01T00:00:00Z' },
      'input.endAt',
    ],
    ['an unknown job type', { ...base, type: 'no.such.type' }, 'input.type'],
    [
      'input failing its schema',
      { ...base, type: 'sched.strict', input: { to: 'nope' } },
      'input.input.to',
    ],
    ['a bad id', { ...base, id: 'has space' }, 'input.id'],
  ];
  it.each(cases)(
    '%s is BAD_USER_INPUT naming the field, and nothing is written',
    async (_, input, field) => {
      const id = (input.id as string | undefined) ?? sid('bad');
      const r = await stack.gql(UPSERT, { i: { id, ...input } }, alice);
      expect(codeOf(r)).toBe('BAD_USER_INPUT');
      expect(fieldOf(r)).toBe(field);
      expect(r.errors?.[0].message).toContain(field);
      const after = await stack.gql<{ schedule: unknown }>(
        'query($id: ID!) { schedule(id: $id) { id } }',
        { id },
        alice,
      );
      expect(after.data?.schedule).toBeNull();
      expect(await schedulerIds()).not.toContain(id);
    },
  );
});

describe('schedules and tenants', () => {
  it("lists a tenant's own schedules only; another tenant's id is NOT_FOUND and left as it was", async () => {
    const id = sid('alice');
    await upsertSchedule(
      stack,
      { id, type: 'sched.sleepy', input: { ms: 1 }, cron: '0 3 * * *' },
      alice,
    );
    const mine = await stack.gql<{ schedules: { id: string }[] }>(
      '{ schedules { id } }',
      {},
      alice,
    );
    expect(mine.data?.schedules.map((s) => s.id)).toContain(id);
    const theirs = await stack.gql<{ schedules: { id: string }[] }>(
      '{ schedules { id } }',
      {},
      bob,
    );
    expect(theirs.data?.schedules.map((s) => s.id)).not.toContain(id);
    const read = await stack.gql<{ schedule: unknown }>(
      'query($id: ID!) { schedule(id: $id) { id } }',
      { id },
      bob,
    );
    expect(read.data?.schedule).toBeNull();
    for (const m of [
      'mutation($id: ID!) { pauseSchedule(id: $id, note: "x") { id } }',
      'mutation($id: ID!) { resumeSchedule(id: $id) { id } }',
      'mutation($id: ID!) { triggerSchedule(id: $id) { id } }',
      'mutation($id: ID!) { deleteSchedule(id: $id) }',
    ]) {
      const r = await stack.gql(m, { id }, bob);
      expect(codeOf(r)).toBe('NOT_FOUND');
    }
    const take = await stack.gql(
      UPSERT,
      { i: { id, type: 'sched.sleepy', input: { ms: 1 }, everyMs: 5000 } },
      bob,
    );
    expect(codeOf(take)).toBe('NOT_FOUND');
    const still = await stack.gql<{ schedule: { cron: string; paused: boolean } }>(
      'query($id: ID!) { schedule(id: $id) { cron paused } }',
      { id },
      alice,
    );
    expect(still.data?.schedule).toEqual({ cron: '0 3 * * *', paused: false });
    // Runs are the tenant's jobs: bob's filter on alice's schedule finds nothing.
    const t = await stack.gql<{ triggerSchedule: { id: string } }>(
      'mutation($id: ID!) { triggerSchedule(id: $id) { id } }',
      { id },
      alice,
    );
    const jobs = await stack.gql<{ jobs: { edges: unknown[] } }>(
      'query($s: [ID!]) { jobs(filter: { scheduleIds: $s }) { edges { node { id } } } }',
      { s: [id] },
      bob,
    );
    expect(jobs.data?.jobs.edges).toEqual([]);
    const job = await stack.gql(
      'query($id: ID!) { job(id: $id) { id } }',
      { id: t.data?.triggerSchedule.id },
      bob,
    );
    expect(job.data?.job).toBeNull();
  });

  it('lets a VIEWER read schedules but not change them', async () => {
    const id = sid('viewed');
    await upsertSchedule(
      stack,
      { id, type: 'sched.sleepy', input: { ms: 1 }, cron: '0 4 * * *' },
      alice,
    );
    const r = await stack.gql<{ schedule: { id: string; nextRunTimes: string[] } }>(
      'query($id: ID!) { schedule(id: $id) { id nextRunTimes(count: 2) } }',
      { id },
      aliceViewer,
    );
    expect(r.data?.schedule.nextRunTimes).toHaveLength(2);
    const p = await stack.gql(
      'mutation($id: ID!) { pauseSchedule(id: $id) { id } }',
      { id },
      aliceViewer,
    );
    expect(codeOf(p)).toBe('FORBIDDEN');
    const u = await stack.gql(
      UPSERT,
      { i: { type: 'sched.sleepy', input: { ms: 1 }, everyMs: 5000 } },
      aliceViewer,
    );
    expect(codeOf(u)).toBe('FORBIDDEN');
  });

  it('reads nextRunTimes in the schedule time zone, skipping and repeating around DST', async () => {
    const id = sid('berlin');
    const s = await upsertSchedule(
      stack,
      {
        id,
        type: 'sched.sleepy',
        input: { ms: 1 },
        cron: '30 2 * * *',
        timezone: 'Europe/Berlin',
        startAt: '2099-03-27T00:00:00Z',
        endAt: '2099-03-31T00:00:00Z',
      },
      alice,
    );
    // 29 March 2099 is the last Sunday of March: 02:30 does not happen in Berlin.
    expect(s.nextRunTimes).toEqual([
      '2099-03-27T01:30:00.000Z',
      '2099-03-28T01:30:00.000Z',
      '2099-03-30T00:30:00.000Z',
    ]);
  });

  it("has BullMQ queue a cron's first run by the same DST rules", async () => {
    const id = sid('bull-berlin');
    await upsertSchedule(
      stack,
      {
        id,
        type: 'sched.sleepy',
        input: { ms: 1 },
        cron: '30 2 * * *',
        timezone: 'Europe/Berlin',
        startAt: '2099-03-28T12:00:00Z',
      },
      alice,
    );
    const q = new Queue('default', {
      connection: stack.redis,
      prefix: `${stack.config.JOBGATE_PREFIX}:bull`,
    });
    const [scheduler] = (await q.getJobSchedulers()).filter((s) => s.key === id);
    await q.close();
    // 02:30 on the 29th does not exist in Berlin; cron-parser alone would say 03:30 that day.
    expect(new Date(scheduler.next as number).toISOString()).toBe('2099-03-30T00:30:00.000Z');
  });
});
