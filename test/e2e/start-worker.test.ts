import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { waitForStatus } from '../helpers/ops';
import { exited, startStack } from '../helpers/stack';
import type { Stack } from '../helpers/stack';

const ROOT = join(__dirname, '..', '..');

describe('startWorker', () => {
  let stack: Stack;
  let child: ChildProcess | undefined;
  beforeAll(async () => {
    stack = await startStack({ bullmqWorker: false });
  });
  afterAll(async () => {
    if (child && child.exitCode === null) {
      child.kill('SIGKILL');
      await exited(child);
    }
    await stack.close();
  });

  it("runs a producer's own definitions in its process, registered and served, and stops on close", async () => {
    // A Node process of the user's, loading the package by name (from dist/, as installed).
    child = spawn(process.execPath, [join('test', 'fixtures', 'start-worker.js')], {
      cwd: ROOT,
      env: stack.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    await stack.waitFor(async () => out.includes('embedded worker running'), 30_000, out);

    const types = await stack.gql<{ jobTypes: { name: string; workers: number }[] }>(
      '{ jobTypes { name workers } }',
    );
    expect(types.data?.jobTypes.find((t) => t.name === 'embedded.greet')).toEqual({
      name: 'embedded.greet',
      workers: 1,
    });
    const r = await stack.gql<{ submitJob: { id: string } }>(
      'mutation { submitJob(input: { type: "embedded.greet", input: { name: "ana" } }) { id } }',
    );
    const done = await waitForStatus(stack, r.data?.submitJob.id as string, ['SUCCEEDED'], 30_000);
    expect(done.result).toEqual({ greeting: 'hello ana' });
    const logs = await stack.gql<{ job: { logs: { line: string }[] } }>(
      'query($id: ID!) { job(id: $id) { logs { line } } }',
      { id: r.data?.submitJob.id },
    );
    expect(logs.data?.job.logs.map((l) => l.line)).toEqual(['greeting ana']);

    child.kill('SIGTERM');
    expect(await exited(child)).toBe(0);
    // A worker that left says so: it is no longer counted.
    const after = await stack.gql<{ jobTypes: { name: string; workers: number }[] }>(
      '{ jobTypes { name workers } }',
    );
    expect(after.data?.jobTypes.find((t) => t.name === 'embedded.greet')?.workers).toBe(0);
  }, 90_000);
});
