// The README's "Your own jobs", step by step, as a new user takes them: the package packed
// into a tarball, installed into a project outside this repository, the README's files
// compiled, and a `jobgate worker` process serving them to a jobgate that runs no user code.
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startTemporalStack } from '../helpers/temporal-stack';
import type { TemporalStack } from '../helpers/temporal-stack';

const ROOT = join(__dirname, '..', '..');
const run = promisify(execFile);
const timings: Record<string, number> = {};

/** Runs `fn`, keeping how long it took under `what`. */
async function timed<T>(what: string, fn: () => Promise<T>): Promise<T> {
  const t0 = Date.now();
  try {
    return await fn();
  } finally {
    timings[what] = Date.now() - t0;
  }
}

/** The files the README's "Your own jobs" section writes, by name. */
function readmeFiles(): Record<string, string> {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const part = readme.slice(
    readme.indexOf('<!-- own-jobs:start -->'),
    readme.indexOf('<!-- own-jobs:end -->'),
  );
  const files: Record<string, string> = {};
  for (const m of part.matchAll(/<!-- file: (\S+) -->\n```\w*\n([\s\S]*?)```/g)) files[m[1]] = m[2];
  return files;
}

let packDir: string;
let project: string;
/** Runs a command in the user's project, as its user would. */
const inProject = (cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env) =>
  run(cmd, args, { cwd: project, env, maxBuffer: 16 * 1024 * 1024 });

beforeAll(async () => {
  packDir = mkdtempSync(join(tmpdir(), 'jobgate-pack-'));
  project = mkdtempSync(join(tmpdir(), 'jobgate-own-jobs-'));
  await timed('npm pack', () => run('npm', ['pack', '--pack-destination', packDir], { cwd: ROOT }));
  const tarball = join(packDir, readdirSync(packDir).find((f) => f.endsWith('.tgz')) as string);
  await inProject('npm', ['init', '-y']);
  await timed('npm install', () =>
    inProject('npm', ['install', '--no-audit', '--no-fund', tarball, 'zod', 'typescript']),
  );
  for (const [name, text] of Object.entries(readmeFiles()))
    writeFileSync(join(project, name), text);
  await timed('tsc', () => inProject('npx', ['tsc']));
}, 600_000);

afterAll(() => {
  process.stdout.write(`own-jobs walkthrough timings (ms): ${JSON.stringify(timings)}\n`);
  for (const d of [packDir, project]) if (d) rmSync(d, { recursive: true, force: true });
});

describe('the packed package in a new project', () => {
  it("holds the README's three files, compiled", () => {
    expect(Object.keys(readmeFiles()).sort()).toEqual(['jobs.ts', 'tsconfig.json', 'workflows.ts']);
    expect(existsSync(join(project, 'dist', 'jobs.js'))).toBe(true);
    expect(existsSync(join(project, 'dist', 'workflows.js'))).toBe(true);
  });

  it('loads from CommonJS and from ESM, both entry points', async () => {
    const cjs = await inProject(process.execPath, [
      '-e',
      `const jobs = require('./dist/jobs.js');
       const brand = Symbol.for('jobgate.definition');
       console.log(Object.values(jobs).filter((v) => v && v[brand]).map((v) => v[brand] + ':' + v.name).join(' '));`,
    ]);
    expect(cjs.stdout.trim()).toBe('queue:images job:images.resize workflow:orders.approve');
    const esm = await inProject(process.execPath, [
      '--input-type=module',
      '-e',
      `import { defineJob, DefinitionError } from 'jobgate';
       import { progress, waiting, proxyActivities } from 'jobgate/workflow';
       try { defineJob({ name: '1bad', run: async () => 1 }); } catch (e) { console.log(e instanceof DefinitionError, typeof progress, typeof waiting, typeof proxyActivities); }`,
    ]);
    expect(esm.stdout.trim()).toBe('true function function function');
  });

  it('gives producers jobgate/client, from CommonJS, ESM and TypeScript', async () => {
    const use = `const jg = createClient({ url: 'http://127.0.0.1:9/graphql', apiKey: 'k' });
       console.log(typeof jg.submit, new JobgateError('m', 'NETWORK') instanceof Error);
       await jg.close();`;
    const cjs = await inProject(process.execPath, [
      '-e',
      `const { createClient, JobgateError } = require('jobgate/client');
       (async () => { ${use} })();`,
    ]);
    expect(cjs.stdout.trim()).toBe('function true');
    const esm = await inProject(process.execPath, [
      '--input-type=module',
      '-e',
      `import { createClient, JobgateError } from 'jobgate/client';
       ${use}`,
    ]);
    expect(esm.stdout.trim()).toBe('function true');
    // A producer's wrong input to a definition-typed submit does not compile.
    mkdirSync(join(project, 'producer'), { recursive: true });
    writeFileSync(
      join(project, 'producer', 'bad.ts'),
      `import { createClient } from 'jobgate/client';
       import { resize } from '../jobs';
       const jg = createClient({ url: 'http://127.0.0.1:9/graphql', apiKey: 'k' });
       export const ok = jg.submit(resize, { url: 'https://example.com/a.png', width: 640 });
       export const bad = jg.submit(resize, { url: 'https://example.com/a.png', width: '640' });
      `,
    );
    writeFileSync(
      join(project, 'producer', 'tsconfig.json'),
      JSON.stringify({
        extends: '../tsconfig.json',
        compilerOptions: { noEmit: true, rootDir: '..' },
        files: ['bad.ts'],
        include: [],
      }),
    );
    const tsc = await inProject('npx', ['tsc', '-p', 'producer']).then(
      () => '',
      (err: { stdout?: string }) => String(err.stdout),
    );
    expect(tsc).toMatch(/producer\/bad\.ts\(5,\d+\): error TS2322/);
    expect(tsc.match(/error TS\d+/g)).toEqual(['error TS2322']);
  });

  it('brings the jobgate command', async () => {
    const help = await inProject('npx', ['jobgate', '--help']);
    expect(help.stdout).toContain('Usage: jobgate');
    expect(help.stdout).toContain('worker');
  });
});

describe('a worker serving them to a running jobgate', () => {
  let stack: TemporalStack;
  let worker: ChildProcess | undefined;
  let workerOutput = '';
  let key: string;

  const JOB =
    'id status backend result error progress events(first: 100) { type meta } logs { line attempt }';
  const job = async (id: string): Promise<any> => {
    const r = await stack.gql<{ job: any }>(
      `query($id: ID!) { job(id: $id) { ${JOB} } }`,
      { id },
      key,
    );
    if (r.errors) throw new Error(JSON.stringify(r.errors));
    return r.data?.job;
  };
  const until = (id: string, status: string, timeoutMs = 30_000): Promise<any> =>
    stack.waitFor(
      async () => {
        const j = await job(id);
        return j?.status === status ? j : null;
      },
      timeoutMs,
      `job ${id} to be ${status}; worker said: ${workerOutput.slice(-2000)}`,
    );
  const submit = (input: Record<string, unknown>) =>
    stack.gql<{ submitJob: { id: string; backend: string } }>(
      'mutation($i: SubmitJobInput!) { submitJob(input: $i) { id backend } }',
      { i: input },
      key,
    );
  const signal = (id: string, name: string, payload: unknown) =>
    stack.gql(
      'mutation($id: ID!, $s: String!, $p: JSON) { signalJob(id: $id, signal: $s, payload: $p) { id } }',
      { id, s: name, p: payload },
      key,
    );

  beforeAll(async () => {
    // No worker in this process: the gateway runs no user code and knows no type of the project.
    stack = await startTemporalStack({ worker: false, bullmqWorker: false });
    key = await stack.createKey(`own-${Date.now()}`, 'OPERATOR');
    const t0 = Date.now();
    worker = spawn('npx', ['jobgate', 'worker', '--jobs', './dist/jobs.js'], {
      cwd: project,
      env: stack.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    worker.stdout?.on('data', (d: Buffer) => (workerOutput += d.toString()));
    worker.stderr?.on('data', (d: Buffer) => (workerOutput += d.toString()));
    const exitedEarly = new Promise<never>((_, reject) =>
      worker?.once('exit', (code) =>
        reject(new Error(`jobgate worker exited with ${code}: ${workerOutput}`)),
      ),
    );
    const registered = stack.waitFor(
      async () => {
        const r = await stack.gql<{ jobTypes: { name: string; workers: number }[] }>(
          '{ jobTypes { name version workers } }',
        );
        const served = (r.data?.jobTypes ?? []).filter((t) => t.workers > 0).map((t) => t.name);
        return served.includes('images.resize') && served.includes('orders.approve');
      },
      20_000,
      `jobTypes to list the project's types with a worker; worker said: ${workerOutput}`,
    );
    await Promise.race([registered, exitedEarly]);
    timings['worker registered'] = Date.now() - t0;
  }, 120_000);

  afterAll(async () => {
    // The worker's process group: npx and the node process it started. Either may have
    // exited already (ESRCH), which is what this wants.
    const signal = (pid: number, sig: NodeJS.Signals): void => {
      try {
        process.kill(-pid, sig);
      } catch {
        // Gone already.
      }
    };
    if (worker?.pid && worker.exitCode === null) {
      signal(worker.pid, 'SIGTERM');
      await new Promise((r) => setTimeout(r, 2000));
      if (worker.exitCode === null) signal(worker.pid, 'SIGKILL');
    }
    await stack?.close();
  }, 60_000);

  it('lists the types with their version and one worker', async () => {
    const r = await stack.gql<{ jobTypes: any[] }>(
      '{ jobTypes { name version workers defaultBackend queue signals queries } }',
    );
    const byName = Object.fromEntries((r.data?.jobTypes ?? []).map((t) => [t.name, t]));
    expect(byName['images.resize']).toMatchObject({
      workers: 1,
      defaultBackend: 'BULLMQ',
      queue: 'images',
    });
    expect(byName['images.resize'].version).toMatch(/^[0-9a-f]{16}$/);
    expect(byName['orders.approve']).toMatchObject({
      workers: 1,
      defaultBackend: 'TEMPORAL',
      signals: ['decide'],
      queries: ['status'],
    });
  });

  it.each(['BULLMQ', 'TEMPORAL'])(
    'runs the job on %s: progress, log lines and result',
    async (backend) => {
      const t0 = Date.now();
      const input = { url: 'https://example.com/a.png', width: 640 };
      const r = await submit({ type: 'images.resize', input, backend });
      expect(r.errors).toBeUndefined();
      expect(r.data?.submitJob.backend).toBe(backend);
      const done = await until(r.data!.submitJob.id, 'SUCCEEDED');
      timings[`resize on ${backend}`] = Date.now() - t0;
      expect(done.result).toEqual({ ...input, bytes: 64_000 });
      expect(done.progress).toBe(100);
      expect(done.logs.map((l: { line: string }) => l.line)).toEqual([
        'resizing https://example.com/a.png to 640 px',
      ]);
    },
  );

  it('refuses input that does not match the zod schema, naming the field', async () => {
    const r = await submit({
      type: 'images.resize',
      input: { url: 'https://example.com/a.png', width: 'wide' },
    });
    expect(r.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(r.errors?.[0].message).toContain('input.width');
  });

  it('runs the workflow: waits, answers its query, checks and takes the signal, calls the activity', async () => {
    const t0 = Date.now();
    const r = await submit({ type: 'orders.approve', input: { orderId: 'o-1', amount: 42 } });
    expect(r.errors).toBeUndefined();
    expect(r.data?.submitJob.backend).toBe('TEMPORAL');
    const id = r.data!.submitJob.id;
    await until(id, 'WAITING');
    const q = await stack.gql<{ workflowQuery: unknown }>(
      'query($id: ID!) { workflowQuery(jobId: $id, name: "status") }',
      { id },
      key,
    );
    expect(q.data?.workflowQuery).toBe('waiting');

    const bad = await signal(id, 'decide', { approved: 'yes', by: 'ana' });
    expect(bad.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(bad.errors?.[0].message).toContain('payload.approved');

    const good = await signal(id, 'decide', { approved: true, by: 'ana' });
    expect(good.errors).toBeUndefined();
    const done = await until(id, 'SUCCEEDED');
    timings['workflow submit to done'] = Date.now() - t0;
    expect(done.result).toEqual({ orderId: 'o-1', approved: true, by: 'ana', charged: 42 });
    const types = done.events.map((e: { type: string }) => e.type);
    expect(types).toEqual(
      expect.arrayContaining(['STARTED', 'WAITING', 'SIGNALED', 'ACTIVITY_COMPLETED', 'COMPLETED']),
    );
    expect(types.filter((t: string) => t === 'SIGNALED')).toHaveLength(1);
    expect(done.progress).toBe(100);
    expect(done.logs.map((l: { line: string }) => l.line)).toEqual(['approved by ana']);
  });
});
