import type { ChildProcess } from 'node:child_process';
import { exited, startStack } from '../helpers/stack';
import type { Stack } from '../helpers/stack';
import { freePort } from '../helpers/temporal-server';
import { drill, sleep, waitForStoreToCatchUp } from '../helpers/faults';

const SUBMIT = 'mutation($i: SubmitJobInput!) { submitJob(input: $i) { id } }';
const CLIENTS = 24;
const FINAL = ['SUCCEEDED', 'FAILED', 'CANCELLED'];

/**
 * Drill: under a 24-client submit load, the gateway, the aggregator (with the reconciler and
 * the submission relay beside it) and the BullMQ worker are each killed with SIGKILL in turn
 * and started again. Every job a client got an answer for must end: none may stay RUNNING
 * or QUEUED for good.
 */
drill('gateway, aggregator and worker killed with SIGKILL in turn under load', () => {
  let stack: Stack;
  // Short locks and checks, so recovery takes seconds; production keeps the defaults.
  const env = {
    WORKER_CONCURRENCY: '16',
    WORKER_LOCK_MS: '3000',
    WORKER_STALLED_INTERVAL_MS: '1000',
    RECONCILE_AFTER_MS: '2000',
    RELAY_AFTER_MS: '3000',
    RELAY_INTERVAL_MS: '1000',
    RATE_LIMIT_PER_SECOND: '0',
  };
  beforeAll(async () => {
    // Everything that is killed runs in processes of its own; this process only creates keys.
    stack = await startStack({ aggregator: false, bullmqWorker: false, env });
  });
  afterAll(() => stack.close());

  it('ends every acknowledged job', async () => {
    const key = await stack.createKey('drill', 'OPERATOR');
    const port = await freePort();
    const url = `http://127.0.0.1:${port}/graphql`;
    const start = {
      gateway: (): ChildProcess => stack.spawn(['gateway'], { ...env, PORT: String(port) }),
      aggregator: (): ChildProcess => stack.spawn(['aggregator'], env),
      worker: (): ChildProcess => stack.spawn(['worker', '--queues=default'], env),
    };
    const procs: Record<keyof typeof start, ChildProcess> = {
      gateway: start.gateway(),
      aggregator: start.aggregator(),
      worker: start.worker(),
    };
    const up = async (): Promise<void> => {
      await stack.waitFor(
        async () => (await fetch(url.replace('/graphql', '/readyz')).catch(() => null))?.ok,
        30_000,
        'the gateway',
      );
    };
    await up();

    const acknowledged = new Set<string>();
    let refusals = 0;
    let producing = true;
    // Each client retries a submission with its idempotency key until it is answered, as the
    // client library does; an answer with an id is an acknowledged job.
    const client = async (c: number): Promise<void> => {
      for (let n = 0; producing; n++) {
        const i = { type: 'sleep', input: { ms: 20 + (n % 5) * 20 }, idempotencyKey: `c${c}-${n}` };
        for (let tries = 0; tries < 200; tries++) {
          try {
            const res = await fetch(url, {
              method: 'POST',
              headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
              body: JSON.stringify({ query: SUBMIT, variables: { i } }),
              signal: AbortSignal.timeout(5000),
            });
            const body = (await res.json()) as { data?: { submitJob?: { id: string } } };
            if (body.data?.submitJob) {
              acknowledged.add(body.data.submitJob.id);
              break;
            }
            refusals++;
          } catch {
            // The gateway is down or the reply was lost: the same key again.
          }
          await sleep(100);
        }
      }
    };
    const clients = Array.from({ length: CLIENTS }, (_, c) => client(c));

    const kill = async (name: keyof typeof start): Promise<void> => {
      await sleep(4000);
      procs[name].kill('SIGKILL');
      await exited(procs[name]);
      await sleep(1000);
      procs[name] = start[name]();
      if (name === 'gateway') await up();
    };
    for (const name of ['gateway', 'aggregator', 'worker'] as const) await kill(name);
    await sleep(4000);
    producing = false;
    await Promise.all(clients);

    const ids = [...acknowledged];
    expect(ids.length).toBeGreaterThan(500);
    const counts = async (): Promise<Record<string, number>> => {
      const rows: { status: string; n: string }[] = await stack.app.ds.query(
        'SELECT status, count(*) AS n FROM jobs WHERE id = ANY($1) GROUP BY status',
        [ids],
      );
      return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
    };
    const ended = await stack
      .waitFor(
        async () => {
          const c = await counts();
          const done = FINAL.reduce((s, k) => s + (c[k] ?? 0), 0);
          return done === ids.length ? c : null;
        },
        120_000,
        'every acknowledged job to end',
      )
      .catch(async (err) => {
        const stuck: { id: string; status: string; events: string }[] = await stack.app.ds.query(
          `SELECT j.id, j.status, count(e.id) AS events FROM jobs j LEFT JOIN job_events e ON e.job_id = j.id
           WHERE j.id = ANY($1) AND j.status NOT IN ('SUCCEEDED', 'FAILED', 'CANCELLED')
           GROUP BY j.id, j.status LIMIT 20`,
          [ids],
        );
        throw new Error(
          `${String(err)}; counts ${JSON.stringify(await counts())}; stuck ${JSON.stringify(stuck)}`,
        );
      });
    await waitForStoreToCatchUp(stack, stack.env.JOBGATE_PREFIX as string);
    console.log(
      `kill drill: ${ids.length} jobs acknowledged by ${CLIENTS} clients, ${refusals} refused answers retried; ended ${JSON.stringify(ended)}`,
    );
    // Every acknowledged job has a row: no submission left an engine's job without one.
    expect(Object.values(ended).reduce((a, b) => a + b, 0)).toBe(ids.length);
    for (const p of Object.values(procs)) p.kill('SIGTERM');
    await Promise.all(Object.values(procs).map(exited));
  }, 300_000);
});
