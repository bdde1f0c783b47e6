import { randomUUID } from 'node:crypto';
import { busKeys } from '../../src/bus/bus-keys';
import { BusEmitter } from '../../src/bus/event-emitter';
import { Backend, JobEventType, JobStatus, Priority } from '../../src/model/enums';
import { JobStore } from '../../src/store/job-store';
import type { NewJobRow } from '../../src/store/job-store';
import { getJob, waitForStatus } from '../helpers/ops';
import { startStack } from '../helpers/stack';
import type { Stack } from '../helpers/stack';
import { startTemporalStack } from '../helpers/temporal-stack';
import type { TemporalStack } from '../helpers/temporal-stack';

/** Relay settings that make a test wait seconds, not the default 15 s. */
const FAST_RELAY = { RELAY_AFTER_MS: '1000', RELAY_INTERVAL_MS: '300' };

/** A row as a submission writes it before handing the job to its engine. */
const row = (backend: Backend, tenant: string): NewJobRow => ({
  id: randomUUID(),
  tenant,
  type: 'echo',
  backend,
  routingReason: 'test',
  queue: 'default',
  status: JobStatus.QUEUED,
  priority: Priority.NORMAL,
  maxAttempts: 3,
  input: { n: 1 },
  idempotencyKey: null,
  delayMs: null,
});

type AnyStack = Stack | TemporalStack;

/**
 * The two ways a crash cuts a submission short, made on purpose: the row written and nothing
 * else (the gateway died before the engine call), and the row with its QUEUED event but no
 * engine job (it died between the two). The relay must finish both, once.
 */
function relayCases(backend: Backend, open: () => Promise<AnyStack>): void {
  let stack: AnyStack;
  let jobs: JobStore;
  let emitter: BusEmitter;
  const tenant = `relay-${randomUUID().slice(0, 8)}`;
  beforeAll(async () => {
    stack = await open();
    jobs = new JobStore(stack.app.ds);
    emitter = new BusEmitter(stack.redis, busKeys(stack.config.JOBGATE_PREFIX), 100_000);
  });
  afterAll(() => stack.close());

  const events = async (id: string): Promise<string[]> =>
    ((await getJob(stack, id))?.events ?? []).map((e) => e.type);

  it(`hands ${backend} a job whose row no engine holds, with one QUEUED event`, async () => {
    const r = row(backend, tenant);
    await jobs.insert([r]);
    const done = await waitForStatus(stack, r.id, ['SUCCEEDED'], 30_000);
    expect(done.result).toEqual({ n: 1 });
    const types = await events(r.id);
    expect(types.filter((t) => t === 'QUEUED')).toHaveLength(1);
    expect(types.filter((t) => t === 'COMPLETED')).toHaveLength(1);
    expect(types[0]).toBe('QUEUED');
  });

  it(`hands ${backend} a job whose QUEUED event was sent, without a second one`, async () => {
    const r = row(backend, tenant);
    await jobs.insert([r]);
    await emitter.emitOne({
      tenant,
      source: backend,
      type: JobEventType.QUEUED,
      jobId: r.id,
      jobType: 'echo',
      queue: 'default',
    });
    const done = await waitForStatus(stack, r.id, ['SUCCEEDED'], 30_000);
    expect(done.status).toBe('SUCCEEDED');
    const types = await events(r.id);
    expect(types.filter((t) => t === 'QUEUED')).toHaveLength(1);
    expect(types.filter((t) => t === 'STARTED')).toHaveLength(1);
    expect(types.filter((t) => t === 'COMPLETED')).toHaveLength(1);
  });

  if (backend === Backend.TEMPORAL)
    it(`gives a ${backend} job its engine ran with no QUEUED (the gateway died before its emit) one QUEUED`, async () => {
      const r = row(backend, tenant);
      await jobs.insert([r]);
      // Started as the submission does, and the gateway gone before it emitted QUEUED.
      const lane = (
        stack.app.services.jobs as unknown as {
          submission: {
            lanes: Record<Backend, { redeliver(j: unknown[], a: boolean): Promise<void> }>;
          };
        }
      ).submission.lanes[backend];
      await lane.redeliver([{ ...r, createdAt: new Date(), lastEventId: null }], false);
      const done = await waitForStatus(stack, r.id, ['SUCCEEDED'], 30_000);
      expect(done.result).toEqual({ n: 1 });
      await stack.waitFor(
        async () => (await events(r.id)).includes('QUEUED'),
        20_000,
        'the relay to emit the lost QUEUED',
      );
      await new Promise((res) => setTimeout(res, 1500)); // a few more passes: still one
      const types = await events(r.id);
      expect(types.filter((t) => t === 'QUEUED')).toHaveLength(1);
      expect(types.filter((t) => t === 'STARTED')).toHaveLength(1);
      // A submission's QUEUED starts no new run: the job stays SUCCEEDED with its result.
      const after = await getJob(stack, r.id);
      expect(after).toMatchObject({ status: 'SUCCEEDED', result: { n: 1 } });
    });

  it(`leaves a ${backend} job that reached its engine alone`, async () => {
    const key = await stack.createKey(tenant, 'OPERATOR');
    const r = await stack.gql<{ submitJob: { id: string } }>(
      'mutation($i: SubmitJobInput!) { submitJob(input: $i) { id } }',
      { i: { type: 'echo', input: { n: 2 }, backend } },
      key,
    );
    const id = r.data?.submitJob.id as string;
    await waitForStatus(stack, id, ['SUCCEEDED'], 30_000);
    // Past the relay's grace, a few passes later: still one of each.
    await new Promise((res) => setTimeout(res, 2000));
    const types = await events(id);
    expect(types.filter((t) => t === 'QUEUED')).toHaveLength(1);
    expect(types.filter((t) => t === 'STARTED')).toHaveLength(1);
  });
}

describe('the submission relay on BULLMQ', () => {
  relayCases(Backend.BULLMQ, () => startStack({ env: FAST_RELAY }));
});

describe('the submission relay on TEMPORAL', () => {
  relayCases(Backend.TEMPORAL, () => startTemporalStack({ env: FAST_RELAY }));
});
