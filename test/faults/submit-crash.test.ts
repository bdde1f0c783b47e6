import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { exited, startStack } from '../helpers/stack';
import type { Stack } from '../helpers/stack';
import { startTemporalStack } from '../helpers/temporal-stack';
import { freePort } from '../helpers/temporal-server';
import { drill, sleep, streamEvents } from '../helpers/faults';

const SUBMIT = 'mutation($i: SubmitJobInput!) { submitJob(input: $i) { id } }';
/** The relay looks at a never-started job after 2 s, every 300 ms. */
const FAST_RELAY = { RELAY_AFTER_MS: '2000', RELAY_INTERVAL_MS: '300', RATE_LIMIT_PER_SECOND: '0' };

/**
 * Drill: the gateway process is killed with SIGKILL while 16 clients submit, twice, and
 * started again. A submission cut short leaves a job row without its engine job (or without
 * its QUEUED event); the submission relay beside the aggregator must hand each such job to
 * its engine, so that every row ends in a final state and every job runs once. Clients whose
 * request got no answer send it again with the same idempotency key, as a client should.
 */
function crashDrill(backend: 'BULLMQ' | 'TEMPORAL', open: () => Promise<Stack>): void {
  let stack: Stack;
  beforeAll(async () => {
    stack = await open();
  });
  afterAll(() => stack.close());

  it(`leaves no job behind on ${backend}: every row ends, every acknowledged job ran once`, async () => {
    const tenant = `crash-${randomUUID().slice(0, 8)}`;
    const key = await stack.createKey(tenant, 'OPERATOR');
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const startGateway = async (): Promise<ChildProcess> => {
      const child = stack.spawn(['gateway'], { PORT: String(port), ...FAST_RELAY });
      await stack.waitFor(
        async () => (await fetch(`${base}/readyz`).catch(() => null))?.ok,
        30_000,
        'the gateway process to be ready',
      );
      return child;
    };
    let gateway = await startGateway();
    const acked = new Map<string, string>();
    let unanswered = 0;
    const send = async (idem: string): Promise<string | null> => {
      try {
        const res = await fetch(`${base}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
          body: JSON.stringify({
            query: SUBMIT,
            variables: { i: { type: 'echo', input: { idem }, backend, idempotencyKey: idem } },
          }),
        });
        const body = (await res.json()) as { data?: { submitJob?: { id: string } } };
        return body.data?.submitJob?.id ?? null;
      } catch {
        return null;
      }
    };
    let producing = true;
    const client = async (): Promise<void> => {
      while (producing) {
        const idem = randomUUID();
        let id = await send(idem);
        // No answer: the gateway died under the request. Send it again, same key, until answered.
        while (!id) {
          unanswered++;
          await sleep(200);
          id = await send(idem);
        }
        acked.set(idem, id);
      }
    };
    const clients = Array.from({ length: 16 }, client);
    try {
      for (let round = 0; round < 2; round++) {
        await sleep(1500);
        gateway.kill('SIGKILL');
        await exited(gateway);
        await sleep(2000);
        gateway = await startGateway();
      }
      await sleep(1000);
    } finally {
      producing = false;
      await Promise.all(clients);
    }

    // Every row of the tenant ends; none waits forever.
    const pending = async (): Promise<number> =>
      Number(
        (
          await stack.app.ds.query(
            `SELECT count(*) AS n FROM jobs WHERE tenant = $1 AND status NOT IN ('SUCCEEDED', 'FAILED', 'CANCELLED')`,
            [tenant],
          )
        )[0].n,
      );
    await stack.waitFor(async () => (await pending()) === 0, 90_000, 'every job row to end');
    const rows: { id: string; status: string; key: string }[] = await stack.app.ds.query(
      `SELECT id, status, idempotency_key AS key FROM jobs WHERE tenant = $1`,
      [tenant],
    );
    expect(rows.filter((r) => r.status !== 'SUCCEEDED')).toEqual([]);
    // One job per idempotency key, and it is the one its client was told.
    expect(rows).toHaveLength(acked.size);
    for (const r of rows) expect(acked.get(r.key)).toBe(r.id);

    // Each job: one QUEUED, one STARTED, one COMPLETED on the bus.
    const stream = (await streamEvents(stack.redis, stack.config.JOBGATE_PREFIX)).filter(
      (e) => e.tenant === tenant,
    );
    const count = (id: string, type: string): number =>
      stream.filter((e) => e.jobId === id && e.type === type).length;
    const wrong = rows
      .map((r) => ({
        id: r.id,
        queued: count(r.id, 'QUEUED'),
        started: count(r.id, 'STARTED'),
        completed: count(r.id, 'COMPLETED'),
      }))
      .filter((c) => c.queued !== 1 || c.started !== 1 || c.completed !== 1);
    expect(wrong).toEqual([]);
    console.log(
      `submit-crash drill (${backend}): ${rows.length} jobs, ${unanswered} requests unanswered and sent again, 2 gateway kills; every job ran once`,
    );
    gateway.kill('SIGTERM');
    await exited(gateway);
  }, 240_000);
}

drill('the gateway killed during a submit load, BULLMQ', () => {
  crashDrill('BULLMQ', () => startStack({ env: FAST_RELAY }));
});

drill('the gateway killed during a submit load, TEMPORAL', () => {
  crashDrill('TEMPORAL', () => startTemporalStack({ env: FAST_RELAY }));
});
