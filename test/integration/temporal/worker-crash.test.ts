import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { exited } from '../../helpers/stack';
import { startTemporalStack } from '../../helpers/temporal-stack';
import type { TemporalStack } from '../../helpers/temporal-stack';

/** The compiled jobgate CLI (`npm run build`, which `npm test` runs first). */
const CLI_MAIN = join(__dirname, '..', '..', '..', 'dist', 'src', 'cli', 'index.js');

let stack: TemporalStack;
let key: string;
const children: ChildProcess[] = [];
beforeAll(async () => {
  if (!existsSync(CLI_MAIN)) throw new Error(`${CLI_MAIN} is missing: run npm run build first`);
  stack = await startTemporalStack({ worker: false });
  key = await stack.createKey(`k-${randomBytes(4).toString('hex')}`, 'OPERATOR');
});
afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await stack.close();
});

/** Starts `jobgate worker --temporal` on the stack's prefix; resolves once it polls. */
async function startWorkerProcess(): Promise<ChildProcess> {
  const child = spawn(process.execPath, [CLI_MAIN, 'worker', '--temporal'], {
    env: { ...stack.env, LOG_LEVEL: 'info', NODE_ENV: 'test' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('Temporal worker running')) resolve();
    });
    child.once('exit', (code) =>
      reject(new Error(`worker process exited (${code}) before polling:\n${out}`)),
    );
  });
  return child;
}

describe('a Temporal worker killed with SIGKILL in the middle of a saga', () => {
  it('lets a new worker finish it: one final event, no duplicated step events', async () => {
    const first = await startWorkerProcess();
    const job = await stack.submit(
      { type: 'saga', input: { steps: ['a', 'b', 'c', 'd'], stepMs: 1500 }, maxAttempts: 3 },
      key,
    );
    await stack.waitForEvent(job.id, 'ACTIVITY_STARTED', (e) => e.meta?.step === 'b');
    first.kill('SIGKILL');
    await exited(first);

    await startWorkerProcess();
    // The step's heartbeat times out (5 s), it runs again on the new worker, which replays the history.
    const done = await stack.waitForStatus(job.id, ['SUCCEEDED', 'FAILED'], 60_000, key);
    expect(done.status).toBe('SUCCEEDED');
    expect(done.result).toEqual({ completed: ['a', 'b', 'c', 'd'] });

    const finals = done.events.filter((e) => ['COMPLETED', 'FAILED', 'CANCELLED'].includes(e.type));
    expect(finals.map((e) => e.type)).toEqual(['COMPLETED']);
    expect(done.events.filter((e) => e.type === 'STARTED')).toHaveLength(1);
    expect(done.events.filter((e) => e.type === 'COMPENSATING')).toHaveLength(0);
    const seen = done.events.map(
      (e) => `${e.type}|${e.activityId ?? ''}|${e.attempt ?? ''}|${e.progress ?? ''}`,
    );
    expect(new Set(seen).size).toBe(seen.length);
    const stepsDone = done.events
      .filter((e) => e.type === 'ACTIVITY_COMPLETED')
      .map((e) => e.meta?.step);
    expect(stepsDone).toEqual(['a', 'b', 'c', 'd']);
    // Step b ran again: its first attempt died with the worker.
    expect(
      done.events
        .filter((e) => e.type === 'ACTIVITY_STARTED' && e.meta?.step === 'b')
        .map((e) => e.attempt),
    ).toEqual([1, 2]);

    // The store agrees with the bus, row by row.
    const rows: { type: string; n: string }[] = await stack.app.ds.query(
      `SELECT type, count(*) AS n FROM job_events WHERE job_id = $1 AND type IN ('COMPLETED', 'FAILED', 'CANCELLED', 'STARTED') GROUP BY type ORDER BY type`,
      [job.id],
    );
    expect(rows.map((r) => [r.type, Number(r.n)])).toEqual([
      ['COMPLETED', 1],
      ['STARTED', 1],
    ]);
  });
});
