import { randomUUID } from 'node:crypto';
import { busKeys } from '../../src/bus/bus-keys';
import { bullPrefix } from '../../src/lanes/bullmq/bullmq-job-data';
import { Backend } from '../../src/model/enums';
import { getJob, waitForStatus } from '../helpers/ops';
import { startTemporalStack } from '../helpers/temporal-stack';
import type { TemporalStack } from '../helpers/temporal-stack';

const SUBMIT = 'mutation($i: SubmitJobInput!) { submitJob(input: $i) { id } }';

/**
 * A job's QUEUED goes on the bus only once its engine holds the job. Each engine is made to
 * refuse a submission for real: BullMQ's add script fails on a queue whose meta key has the
 * wrong type, and Temporal refuses a workflow whose input is over its blob size limit (2 MiB
 * on the dev server). The bus must then hold no event of the refused job.
 */
describe('QUEUED only once the engine holds the job', () => {
  let stack: TemporalStack;
  let key: string;
  const tenant = `queued-${randomUUID().slice(0, 8)}`;
  beforeAll(async () => {
    // Inputs up to 3 MiB pass the gateway, so Temporal's own limit is the one that refuses.
    stack = await startTemporalStack({
      env: { MAX_INPUT_BYTES: String(3 << 20), MAX_BODY_BYTES: String(4 << 20) },
    });
    key = await stack.createKey(tenant, 'OPERATOR');
  });
  afterAll(() => stack.close());

  /** Every event on the bus of this suite's tenant. */
  const busEvents = async (): Promise<{ jobId: string; type: string }[]> => {
    const entries = await stack.redis.xrange(busKeys(stack.config.JOBGATE_PREFIX).stream, '-', '+');
    return entries
      .map(([, fields]) => JSON.parse(fields[fields.indexOf('e') + 1]))
      .filter((e) => e.tenant === tenant);
  };

  it('BULLMQ: an add BullMQ refuses emits nothing; the next submission gets one QUEUED before its STARTED', async () => {
    const meta = `${bullPrefix(stack.config.JOBGATE_PREFIX)}:default:meta`;
    const saved = await stack.redis.hgetall(meta);
    await stack.redis.del(meta);
    await stack.redis.set(meta, 'not a hash');
    try {
      const before = (await busEvents()).length;
      const refused = await stack.gql(
        SUBMIT,
        { i: { type: 'echo', input: { n: 1 }, backend: Backend.BULLMQ } },
        key,
      );
      expect(refused.errors?.[0].extensions?.code).toBe('BACKEND_UNAVAILABLE');
      expect(refused.errors?.[0].message).toMatch(/WRONGTYPE/);
      expect(await busEvents()).toHaveLength(before);
    } finally {
      await stack.redis.del(meta);
      if (Object.keys(saved).length) await stack.redis.hset(meta, saved);
    }
    const ok = await stack.gql<{ submitJob: { id: string } }>(
      SUBMIT,
      { i: { type: 'echo', input: { n: 2 }, backend: Backend.BULLMQ } },
      key,
    );
    expect(ok.errors).toBeUndefined();
    const id = ok.data?.submitJob.id as string;
    await waitForStatus(stack, id, ['SUCCEEDED'], 20_000);
    const types = (await busEvents()).filter((e) => e.jobId === id).map((e) => e.type);
    expect(types.filter((t) => t === 'QUEUED')).toHaveLength(1);
    expect(types.indexOf('QUEUED')).toBeLessThan(types.indexOf('STARTED'));
  });

  it('TEMPORAL: a start Temporal refuses emits nothing; an accepted one shows QUEUED once', async () => {
    const before = (await busEvents()).length;
    const big = 'x'.repeat(2_500_000);
    const refused = await stack.gql(
      SUBMIT,
      { i: { type: 'echo', input: { big }, backend: Backend.TEMPORAL } },
      key,
    );
    expect(refused.errors?.[0].extensions?.code).toMatch(/BAD_USER_INPUT|BACKEND_UNAVAILABLE/);
    expect(await busEvents()).toHaveLength(before);
    const rows: { n: string }[] = await stack.app.ds.query(
      'SELECT count(*) AS n FROM jobs WHERE tenant = $1',
      [tenant],
    );
    const ok = await stack.gql<{ submitJob: { id: string } }>(
      SUBMIT,
      { i: { type: 'echo', input: { n: 3 }, backend: Backend.TEMPORAL } },
      key,
    );
    expect(ok.errors).toBeUndefined();
    const id = ok.data?.submitJob.id as string;
    const done = await waitForStatus(stack, id, ['SUCCEEDED'], 30_000);
    expect(done.result).toEqual({ n: 3 });
    const stored = ((await getJob(stack, id))?.events ?? []).map((e) => e.type);
    expect(stored.filter((t) => t === 'QUEUED')).toHaveLength(1);
    // Only the accepted job has a row: the refused one's was taken back.
    const after: { n: string }[] = await stack.app.ds.query(
      'SELECT count(*) AS n FROM jobs WHERE tenant = $1',
      [tenant],
    );
    expect(Number(after[0].n)).toBe(Number(rows[0].n) + 1);
  });
});
