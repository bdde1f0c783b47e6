import { startStack } from '../helpers/stack';
import type { Stack } from '../helpers/stack';

/** Per-tenant quotas on work that waits: delayed jobs (and schedules, see below). */
describe('per-tenant quotas', () => {
  let stack: Stack;
  let a: string;
  let b: string;
  beforeAll(async () => {
    stack = await startStack({
      bullmqWorker: false,
      env: { MAX_DELAYED_JOBS_PER_TENANT: '5', MAX_SCHEDULES_PER_TENANT: '3' },
    });
    a = await stack.createKey('quota-a', 'OPERATOR');
    b = await stack.createKey('quota-b', 'OPERATOR');
  });
  afterAll(() => stack.close());

  const submitDelayed = (key: string, n: number, tag: string) =>
    stack.gql<{ submitJobs: { id: string }[] }>(
      'mutation($i: [SubmitJobInput!]!) { submitJobs(inputs: $i) { id status } }',
      {
        i: Array.from({ length: n }, (_, k) => ({
          type: 'echo',
          input: { k },
          delayMs: 3_600_000,
          idempotencyKey: `${tag}-${k}`,
        })),
      },
      key,
    );

  it('refuses delayed jobs past MAX_DELAYED_JOBS_PER_TENANT with RATE_LIMITED, for that tenant only', async () => {
    expect((await submitDelayed(a, 4, 'first')).data?.submitJobs).toHaveLength(4);
    const over = await submitDelayed(a, 2, 'second');
    expect(over.errors?.[0]?.extensions).toMatchObject({
      code: 'RATE_LIMITED',
      limit: 5,
      waiting: 4,
    });
    expect(over.errors?.[0]?.message).toMatch(/MAX_DELAYED_JOBS_PER_TENANT/);
    // Nothing of the refused batch was stored.
    const page = await stack.gql<{ jobs: { totalCount: number } }>(
      '{ jobs(filter: { statuses: [DELAYED] }) { totalCount } }',
      undefined,
      a,
    );
    expect(page.data?.jobs.totalCount).toBe(4);
    // One more fits; jobs without a delay are not counted; another tenant has its own quota.
    expect((await submitDelayed(a, 1, 'third')).data?.submitJobs).toHaveLength(1);
    const plain = await stack.gql(
      'mutation { submitJob(input: { type: "echo", input: {} }) { id } }',
      undefined,
      a,
    );
    expect(plain.errors).toBeUndefined();
    expect((await submitDelayed(b, 5, 'other')).data?.submitJobs).toHaveLength(5);
  });

  it('refuses a new schedule past MAX_SCHEDULES_PER_TENANT with RATE_LIMITED; replacing one still works', async () => {
    const upsert = (key: string, id: string, everyMs = 3_600_000) =>
      stack.gql<{ upsertSchedule: { id: string } }>(
        'mutation($i: ScheduleInput!) { upsertSchedule(input: $i) { id } }',
        { i: { id, type: 'echo', input: {}, everyMs, backend: 'BULLMQ' } },
        key,
      );
    for (const id of ['q-a1', 'q-a2', 'q-a3']) {
      expect((await upsert(a, id)).errors).toBeUndefined();
    }
    const over = await upsert(a, 'q-a4');
    expect(over.errors?.[0]?.extensions).toMatchObject({
      code: 'RATE_LIMITED',
      limit: 3,
      schedules: 3,
    });
    expect(over.errors?.[0]?.message).toMatch(/MAX_SCHEDULES_PER_TENANT/);
    expect((await upsert(a, 'q-a2', 7_200_000)).errors).toBeUndefined();
    expect((await upsert(b, 'q-b1')).errors).toBeUndefined();
    const mine = await stack.gql<{ schedules: { id: string }[] }>(
      '{ schedules { id } }',
      undefined,
      a,
    );
    expect(mine.data?.schedules.map((x) => x.id).sort()).toEqual(['q-a1', 'q-a2', 'q-a3']);
    for (const [key, id] of [
      [a, 'q-a1'],
      [a, 'q-a2'],
      [a, 'q-a3'],
      [b, 'q-b1'],
    ]) {
      await stack.gql('mutation($id: ID!) { deleteSchedule(id: $id) }', { id }, key);
    }
  });
});
