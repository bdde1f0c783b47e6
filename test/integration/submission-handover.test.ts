import { randomUUID } from 'node:crypto';
import { Backend } from '../../src/model/enums';
import type { JobRecord } from '../../src/model/job-record';
import type { FlowLane } from '../../src/lanes/flow-lane';
import type { Lane } from '../../src/lanes/lane';
import { SUBMIT_FLOW, submitFlow } from '../helpers/flows';
import { getJob, waitForStatus } from '../helpers/ops';
import { startTemporalStack } from '../helpers/temporal-stack';
import type { TemporalStack } from '../helpers/temporal-stack';

/** Relay settings that make a test wait seconds, not the default 15 s. */
const FAST_RELAY = { RELAY_AFTER_MS: '1000', RELAY_INTERVAL_MS: '300' };

const SUBMIT = 'mutation($i: SubmitJobInput!) { submitJob(input: $i) { id } }';

/**
 * A submission whose engine call fails part-way. The faults are made on the gateway's real
 * lanes, around their real enqueue: a reply lost after Redis or Temporal applied the call
 * cannot be had from the engines on demand, so the lane's enqueue runs and then throws as a
 * reset connection would.
 */
describe('submission hand-over when the engine call fails', () => {
  let stack: TemporalStack;
  let key: string;
  const tenant = `handover-${randomUUID().slice(0, 8)}`;
  beforeAll(async () => {
    stack = await startTemporalStack({ env: FAST_RELAY });
    key = await stack.createKey(tenant, 'OPERATOR');
  });
  afterAll(() => stack.close());

  const laneOf = (backend: Backend): Lane =>
    (
      stack.app.services.jobs as unknown as {
        submission: { lanes: Record<Backend, Lane> };
      }
    ).submission.lanes[backend];

  /** Makes the lane's next enqueue fail: after running it (`applied`) or without running it. */
  const failNext = (backend: Backend, applied: boolean): void => {
    const lane = laneOf(backend);
    const real = lane.enqueue;
    lane.enqueue = async (jobs: JobRecord[]) => {
      lane.enqueue = real;
      if (applied) await real.call(lane, jobs);
      throw new Error('read ECONNRESET');
    };
  };

  const rowsWithKey = async (k: string): Promise<number> => {
    const rows: { n: string }[] = await stack.app.ds.query(
      'SELECT count(*) AS n FROM jobs WHERE tenant = $1 AND idempotency_key = $2',
      [tenant, k],
    );
    return Number(rows[0].n);
  };

  /** Makes the flow lane's next enqueueFlow fail: after running it (`applied`) or without. */
  const failNextFlow = (backend: Backend, applied: boolean): void => {
    const flows = (
      stack.app.services.jobs as unknown as {
        flows: { lanes: Record<Backend, FlowLane> };
      }
    ).flows.lanes[backend];
    const real = flows.enqueueFlow;
    flows.enqueueFlow = async (root, announce) => {
      flows.enqueueFlow = real;
      if (applied) await real.call(flows, root, announce);
      throw new Error('read ECONNRESET');
    };
  };

  const tenantRows = async (): Promise<number> => {
    const rows: { n: string }[] = await stack.app.ds.query(
      'SELECT count(*) AS n FROM jobs WHERE tenant = $1',
      [tenant],
    );
    return Number(rows[0].n);
  };

  for (const backend of [Backend.BULLMQ, Backend.TEMPORAL]) {
    it(`${backend}: a flow whose reply was lost after the engine took it is accepted and runs once; one no engine took leaves no row`, async () => {
      const tree = (n: number) => ({
        job: { type: 'echo', input: { root: n }, backend },
        children: [
          { job: { type: 'echo', input: n, backend } },
          { job: { type: 'echo', input: n + 1, backend } },
        ],
      });
      failNextFlow(backend, true);
      const flow = await submitFlow(stack, tree(10), key);
      const done = await waitForStatus(stack, flow.id, ['SUCCEEDED'], 30_000);
      expect(done.result).toEqual({ root: 10 });
      await new Promise((r) => setTimeout(r, 2000)); // past the relay's grace, a few passes
      const types = ((await getJob(stack, flow.id))?.events ?? []).map((e) => e.type);
      expect(types.filter((t) => t === 'COMPLETED')).toHaveLength(1);

      const before = await tenantRows();
      failNextFlow(backend, false);
      const refused = await stack.gql(SUBMIT_FLOW, { root: tree(20) }, key);
      expect(refused.errors?.[0].extensions?.code).toBe('BACKEND_UNAVAILABLE');
      expect(await tenantRows()).toBe(before);
    });

    it(`${backend}: a lost reply after the engine took the job keeps the row; the job runs once and a retry returns it`, async () => {
      const k = `lost-reply-${backend}-${randomUUID()}`;
      failNext(backend, true);
      const first = await stack.gql<{ submitJob: { id: string } }>(
        SUBMIT,
        { i: { type: 'echo', input: { n: 1 }, backend, idempotencyKey: k } },
        key,
      );
      expect(first.errors).toBeUndefined();
      const id = first.data?.submitJob.id as string;
      const done = await waitForStatus(stack, id, ['SUCCEEDED'], 30_000);
      expect(done.result).toEqual({ n: 1 });
      // The client's retry with the same key gets the same job, and nothing runs twice.
      const again = await stack.gql<{ submitJob: { id: string } }>(
        SUBMIT,
        { i: { type: 'echo', input: { n: 1 }, backend, idempotencyKey: k } },
        key,
      );
      expect(again.data?.submitJob.id).toBe(id);
      expect(await rowsWithKey(k)).toBe(1);
      await new Promise((r) => setTimeout(r, 2000)); // past the relay's grace, a few passes
      const types = ((await getJob(stack, id))?.events ?? []).map((e) => e.type);
      expect(types.filter((t) => t === 'STARTED')).toHaveLength(1);
      expect(types.filter((t) => t === 'COMPLETED')).toHaveLength(1);
    });

    it(`${backend}: an engine that refused and holds nothing takes the row back; the retry runs the job`, async () => {
      const k = `refused-${backend}-${randomUUID()}`;
      failNext(backend, false);
      const first = await stack.gql(
        SUBMIT,
        { i: { type: 'echo', input: { n: 2 }, backend, idempotencyKey: k } },
        key,
      );
      expect(first.errors?.[0].extensions?.code).toBe('BACKEND_UNAVAILABLE');
      expect(await rowsWithKey(k)).toBe(0);
      const again = await stack.gql<{ submitJob: { id: string } }>(
        SUBMIT,
        { i: { type: 'echo', input: { n: 2 }, backend, idempotencyKey: k } },
        key,
      );
      expect(again.errors).toBeUndefined();
      const done = await waitForStatus(
        stack,
        again.data?.submitJob.id as string,
        ['SUCCEEDED'],
        30_000,
      );
      expect(done.result).toEqual({ n: 2 });
    });
  }
});
