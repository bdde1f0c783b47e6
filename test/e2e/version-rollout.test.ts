// A new version of a job type rolled out the way a deployment does it: worker process A serves
// version 1, then worker process B starts with a changed zod schema under the same name. The
// registry takes B's version, the gateway checks submissions against it, `workers` names A as
// outdated until it stops, and B alone serves the type afterwards. A job accepted under
// version 1 that a version 2 worker takes fails once, naming what version 2 needs.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { loadJobModules } from '../../src/sdk/load-modules';
import { resolveDefinitions } from '../../src/sdk/resolve';
import { SUBMIT } from '../helpers/ops';
import { CLI, exited, startStack } from '../helpers/stack';
import type { Stack } from '../helpers/stack';

const ROOT = join(__dirname, '..', '..');
const TYPE = 'rollout.greet';
const moduleOf = (v: 1 | 2): string =>
  join(ROOT, 'test', 'fixtures', 'modules', `rollout-v${v}.js`);

/** The version a worker registers for a module: the hash of its definition, as `jobgate worker` computes it. */
async function versionOf(v: 1 | 2): Promise<string> {
  const { types } = resolveDefinitions(await loadJobModules([moduleOf(v)]));
  const t = types.find((x) => x.name === TYPE);
  if (!t) throw new Error(`${moduleOf(v)} defines no ${TYPE}`);
  return t.version;
}

interface WorkerView {
  id: string;
  pid: number;
  status: string;
  jobTypes: string[];
  outdatedJobTypes: string[];
}

interface TypeView {
  name: string;
  version: string;
  workers: number;
  registeredAt: string;
}

interface Running {
  child: ChildProcess;
  output: () => string;
}

let stack: Stack;
const running: ChildProcess[] = [];

beforeAll(async () => {
  // A gateway and aggregator that serve no type themselves: only the worker processes do.
  stack = await startStack({ bullmqWorker: false, jobs: [] });
}, 60_000);

afterAll(async () => {
  for (const c of running) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await stack?.close();
});

const workers = async (): Promise<WorkerView[]> => {
  const r = await stack.gql<{ workers: WorkerView[] }>(
    '{ workers { id pid status jobTypes outdatedJobTypes } }',
  );
  if (!r.data) throw new Error(JSON.stringify(r.errors));
  return r.data.workers;
};

const typeInfo = async (): Promise<TypeView | undefined> => {
  const r = await stack.gql<{ jobTypes: TypeView[] }>(
    '{ jobTypes { name version workers registeredAt } }',
  );
  if (!r.data) throw new Error(JSON.stringify(r.errors));
  return r.data.jobTypes.find((t) => t.name === TYPE);
};

/** `jobgate worker --jobs rollout-v<v>.js` as its own process; resolves once its heartbeat is listed. */
async function startWorker(v: 1 | 2): Promise<Running> {
  const child = spawn(process.execPath, [CLI, 'worker', '--jobs', moduleOf(v)], {
    env: stack.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.push(child);
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exitedEarly = new Promise<never>((_, reject) =>
    child.once('exit', (code) =>
      reject(new Error(`the version ${v} worker exited with ${code}: ${output}`)),
    ),
  );
  const listed = stack.waitFor(
    async () => (await workers()).find((w) => w.pid === child.pid && w.status === 'ACTIVE'),
    30_000,
    `the version ${v} worker (pid ${child.pid}) in workers`,
  );
  exitedEarly.catch(() => undefined);
  await Promise.race([listed, exitedEarly]);
  return { child, output: () => output };
}

/** Submits as the admin; the job's final state, or the GraphQL errors when it was refused. */
async function runJob(
  input: unknown,
): Promise<{ status: string; result: any; attempts: number } | { errors: any[] }> {
  const r = await stack.gql<{ submitJob: { id: string } }>(SUBMIT, {
    input: { type: TYPE, input },
  });
  if (!r.data?.submitJob) return { errors: r.errors ?? [] };
  const id = r.data.submitJob.id;
  return stack.waitFor(
    async () => {
      const j = await stack.gql<{ job: { status: string; result: unknown; attempts: number } }>(
        'query($id: ID!) { job(id: $id) { status result attempts } }',
        { id },
      );
      const job = j.data?.job;
      return job && ['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(job.status) ? job : null;
    },
    30_000,
    `job ${id} to end`,
  );
}

describe('a job type rolled out to version 2 while a version 1 worker still runs', () => {
  let v1: string;
  let v2: string;
  let a: Running;
  let b: Running;

  beforeAll(async () => {
    [v1, v2] = await Promise.all([versionOf(1), versionOf(2)]);
  });

  it('worker A registers version 1 and serves it as the current one', async () => {
    expect(v1).toMatch(/^[0-9a-f]{16}$/);
    expect(v2).toMatch(/^[0-9a-f]{16}$/);
    expect(v2).not.toBe(v1);
    a = await startWorker(1);
    expect(await typeInfo()).toMatchObject({ name: TYPE, version: v1, workers: 1 });
    expect((await workers()).find((w) => w.pid === a.child.pid)).toMatchObject({
      jobTypes: [TYPE],
      outdatedJobTypes: [],
    });
    expect(await runJob({ name: 'ana' })).toMatchObject({
      status: 'SUCCEEDED',
      result: { version: 1, greeting: 'hello ana' },
    });
  }, 60_000);

  it('worker B registers version 2: the registry holds it, and only A is listed as outdated', async () => {
    const before = await typeInfo();
    b = await startWorker(2);
    // B registers before its first heartbeat, so the gateway knows version 2 by now.
    const now = await stack.waitFor(
      async () => {
        const t = await typeInfo();
        return t?.version === v2 ? t : null;
      },
      10_000,
      `${TYPE} at version ${v2}`,
    );
    expect(now).toMatchObject({ version: v2, workers: 2 });
    expect(Date.parse(now.registeredAt)).toBeGreaterThan(Date.parse(before!.registeredAt));
    const listed = await workers();
    expect(listed.find((w) => w.pid === a.child.pid)).toMatchObject({
      status: 'ACTIVE',
      jobTypes: [],
      outdatedJobTypes: [TYPE],
    });
    expect(listed.find((w) => w.pid === b.child.pid)).toMatchObject({
      status: 'ACTIVE',
      jobTypes: [TYPE],
      outdatedJobTypes: [],
    });
    expect(listed.filter((w) => w.outdatedJobTypes.includes(TYPE)).map((w) => w.pid)).toEqual([
      a.child.pid,
    ]);
  }, 60_000);

  it("checks submissions against version 2's schema: a version 1 input is refused naming the new field", async () => {
    const refused = await runJob({ name: 'ana' });
    expect(refused).toHaveProperty('errors');
    const [err] = (refused as { errors: any[] }).errors;
    expect(err.extensions?.code).toBe('BAD_USER_INPUT');
    expect(err.message).toContain("must have required property 'language'");
    expect(err.message).toContain(TYPE);
    // And a version 2 input is accepted and runs, on whichever worker takes it.
    const ran = await runJob({ name: 'ana', language: 'pt' });
    expect(ran).toMatchObject({ status: 'SUCCEEDED', attempts: 1 });
    const { result } = ran as { result: { version: number; greeting: string } };
    expect([
      { version: 1, greeting: 'hello ana' },
      { version: 2, greeting: 'olá ana' },
    ]).toContainEqual(result);
  }, 60_000);

  it('once A stops, B alone serves the type and no worker is outdated', async () => {
    a.child.kill('SIGTERM');
    expect(await exited(a.child)).toBe(0);
    const listed = await workers();
    expect(listed.map((w) => w.pid)).toEqual([b.child.pid]);
    expect(listed[0]).toMatchObject({ jobTypes: [TYPE], outdatedJobTypes: [] });
    expect(await typeInfo()).toMatchObject({ version: v2, workers: 1 });
    expect(await runJob({ name: 'ana', language: 'pt' })).toMatchObject({
      status: 'SUCCEEDED',
      result: { version: 2, greeting: 'olá ana' },
    });
    b.child.kill('SIGTERM');
    expect(await exited(b.child)).toBe(0);
  }, 60_000);

  it('a job accepted under version 1 but taken by a version 2 worker fails once, naming the new field', async () => {
    const admin = async (query: string): Promise<void> => {
      const r = await stack.gql(query);
      if (r.errors) throw new Error(JSON.stringify(r.errors));
    };
    // The queue is paused, so the job waits while the deployment changes under it.
    await admin('mutation { pauseQueue(name: "rollout") { name } }');
    // A version 1 worker starting again rolls the type back: version 1 is current once more.
    const old = await startWorker(1);
    await stack.waitFor(
      async () => (await typeInfo())?.version === v1,
      10_000,
      `${TYPE} back at version ${v1}`,
    );
    const accepted = await stack.gql<{ submitJob: { id: string } }>(SUBMIT, {
      input: { type: TYPE, input: { name: 'bea' } },
    });
    const id = accepted.data?.submitJob.id;
    expect(id).toBeDefined();
    const next = await startWorker(2);
    old.child.kill('SIGTERM');
    expect(await exited(old.child)).toBe(0);
    expect(await typeInfo()).toMatchObject({ version: v2, workers: 1 });
    await admin('mutation { resumeQueue(name: "rollout") { name } }');
    const job = await stack.waitFor(
      async () => {
        const j = await stack.gql<{ job: { status: string; attempts: number; error: string } }>(
          'query($id: ID!) { job(id: $id) { status attempts error } }',
          { id },
        );
        const v = j.data?.job;
        return v && ['SUCCEEDED', 'FAILED'].includes(v.status) ? v : null;
      },
      30_000,
      `job ${id} to end`,
    );
    // The worker checks the input against its own schema; a schema failure is not retried.
    expect(job).toMatchObject({ status: 'FAILED', attempts: 1 });
    expect(job.error).toContain('language');
    next.child.kill('SIGTERM');
    expect(await exited(next.child)).toBe(0);
  }, 90_000);
});
