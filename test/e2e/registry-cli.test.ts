import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { Backend } from '../../src/model/enums';
import { jobBus, storedLines } from '../helpers/logs';
import type { LoggedJob } from '../helpers/logs';
import { submit } from '../helpers/ops';
import { CLI, startStack } from '../helpers/stack';
import type { Stack } from '../helpers/stack';

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ bullmqWorker: false });
});
afterAll(() => stack.close());

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The built binary as a user runs it, with `onStdout` seeing its output as it comes. */
function cli(args: string[], onStdout?: (text: string) => void): Promise<Run> {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      JOBGATE_URL: stack.url,
      JOBGATE_KEY: stack.adminKey,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
    onStdout?.(stdout);
  });
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function newJob(): Promise<LoggedJob> {
  const j = await submit(stack, { type: 'echo', input: {} });
  return { id: j.id, type: 'echo', queue: j.queue as string, tenant: 'default' };
}

describe('jobgate types list', () => {
  it('prints the registered types as JSON, with version and live workers', async () => {
    const name = `cli-type-${randomUUID()}`;
    await stack.app.registry.register([
      {
        name,
        version: 'abc123',
        description: 'from the CLI test',
        defaultBackend: Backend.BULLMQ,
        queue: 'cli-q',
        inputSchema: {},
        maxAttempts: 4,
        backoffMs: 100,
        timeoutMs: 5000,
        signals: [],
        signalSchemas: {},
        queries: ['where'],
        workflowOnly: false,
        workflowName: null,
        sensitiveFields: [],
      },
    ]);
    const r = await cli(['types', 'list', '--json']);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    const t = (JSON.parse(r.stdout) as { name: string }[]).find((x) => x.name === name);
    expect(t).toMatchObject({
      version: 'abc123',
      workers: 0,
      queue: 'cli-q',
      maxAttempts: 4,
      timeoutMs: 5000,
      queries: ['where'],
    });
    const text = await cli(['types', 'list']);
    expect(text.stdout).toMatch(new RegExp(`${name}\\s+BULLMQ\\s+cli-q\\s+0\\s+4\\s+5s\\s+abc123`));
  });
});

describe('jobgate workers list', () => {
  it('prints the workers as JSON', async () => {
    const id = randomUUID();
    await stack.app.presence.beat({
      id,
      host: 'cli-host',
      pid: 77,
      lanes: [Backend.BULLMQ],
      queues: ['cli-q'],
      types: { echo: stack.app.registry.find('echo')?.version ?? 'missing' },
      concurrency: 4,
      activeJobs: 1,
      startedAt: new Date(),
      stopping: false,
    });
    const r = await cli(['workers', 'list', '--json']);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    const w = (JSON.parse(r.stdout) as { id: string }[]).find((x) => x.id === id);
    expect(w).toMatchObject({
      host: 'cli-host',
      pid: 77,
      jobTypes: ['echo'],
      activeJobs: 1,
      status: 'ACTIVE',
    });
    expect((await cli(['workers', 'list'])).stdout).toMatch(/cli-host:77\s+ACTIVE\s+BULLMQ/);
  });
});

describe('jobgate jobs logs', () => {
  it("prints a job's lines, as text and as NDJSON", async () => {
    const job = await newJob();
    await jobBus(stack).log(job, ['first line', 'second line'], 2);
    await storedLines(stack, job.id, 2);
    const text = await cli(['jobs', 'logs', job.id]);
    expect(text.code).toBe(0);
    expect(text.stdout.trim().split('\n')).toEqual([
      expect.stringMatching(/^\S+Z {2}#2 {2}first line$/),
      expect.stringMatching(/^\S+Z {2}#2 {2}second line$/),
    ]);
    const json = await cli(['jobs', 'logs', job.id, '--json']);
    const lines = json.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { line: string; attempt: number });
    expect(lines.map((l) => [l.line, l.attempt])).toEqual([
      ['first line', 2],
      ['second line', 2],
    ]);
  });

  it('says NOT_FOUND for an unknown job and exits 1', async () => {
    const r = await cli(['jobs', 'logs', randomUUID()]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/was not found \(NOT_FOUND\)/);
  });

  it('follows new lines until the job is final', async () => {
    const job = await newJob();
    const bus = jobBus(stack);
    await bus.log(job, ['before']);
    await storedLines(stack, job.id, 1);
    let sawBefore!: () => void;
    const printed = new Promise<void>((r) => (sawBefore = r));
    const run = cli(['jobs', 'logs', job.id, '--follow', '--json'], (out) => {
      if (out.includes('"before"')) sawBefore();
    });
    await printed;
    await bus.log(job, ['during 1', 'during 2']);
    await bus.complete(job);
    const r = await run;
    expect(r.code).toBe(0);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { line: string }).line);
    expect(lines).toEqual(['before', 'during 1', 'during 2']);
  });

  it('exits at once for a job that is already final', async () => {
    const job = await newJob();
    await jobBus(stack).log(job, ['done']);
    await jobBus(stack).complete(job);
    await stack.waitFor(
      async () =>
        (await stack.gql(`{ job(id: "${job.id}") { status } }`)).data?.job?.status === 'SUCCEEDED',
    );
    const r = await cli(['jobs', 'logs', job.id, '--follow']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/done\n$/);
  });
});
