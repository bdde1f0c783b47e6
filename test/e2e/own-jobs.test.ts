// The README's "Your own jobs", step by step, as a new user takes them: the package packed
// into a tarball, installed into a project outside this repository, the README's files
// compiled, a `jobgate worker` process serving them to a jobgate that runs no user code, and
// the README's `npx jobgate ...` commands run as written, in that project, against that jobgate.
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
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { startTemporalStack } from '../helpers/temporal-stack';
import type { TemporalStack } from '../helpers/temporal-stack';

const ROOT = join(__dirname, '..', '..');
const run = promisify(execFile);
/** How long each step of the walkthrough took, ms, in the order they ran. */
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

/** The README's "Your own jobs" section. */
function ownJobsPart(): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  return readme.slice(
    readme.indexOf('<!-- own-jobs:start -->'),
    readme.indexOf('<!-- own-jobs:end -->'),
  );
}

/** The files the README's "Your own jobs" section writes, by name. */
function readmeFiles(): Record<string, string> {
  const files: Record<string, string> = {};
  for (const m of ownJobsPart().matchAll(/<!-- file: (\S+) -->\n```\w*\n([\s\S]*?)```/g))
    files[m[1]] = m[2];
  return files;
}

/** The section's `sh` blocks, in order, each as its command lines (comments and blank lines left out). */
function readmeCommands(): string[][] {
  return [...ownJobsPart().matchAll(/```sh\n([\s\S]*?)```/g)].map((m) =>
    m[1]
      .split('\n')
      .map((l) => (l.trimStart().startsWith('#') ? '' : l.replace(/\s+#.*$/, '').trim()))
      .filter(Boolean),
  );
}

/** The one line of `lines` that matches `re`; throws, quoting them, when there is not exactly one. */
function lineOf(lines: string[], re: RegExp): string {
  const hits = lines.filter((l) => re.test(l));
  if (hits.length !== 1)
    throw new Error(
      `the README should hold one command matching ${re}; it holds: ${lines.join(' | ')}`,
    );
  return hits[0];
}

// Install and build (the first two blocks), then the commands run against the jobgate (the third).
const [SETUP = [], BUILD = [], STEPS = []] = readmeCommands();

let packDir: string;
let project: string;
/** Runs a command in the user's project, as its user would. */
const inProject = (cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env) =>
  run(cmd, args, { cwd: project, env, maxBuffer: 16 * 1024 * 1024 });

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/**
 * Runs one README line through bash in the user's project, as they would type it; never
 * throws for its exit code. Past `timeoutMs` the line's whole process group is killed.
 */
function sh(line: string, env: NodeJS.ProcessEnv = process.env, timeoutMs = 120_000): Promise<Ran> {
  const t0 = Date.now();
  const child = spawn('bash', ['-c', line], {
    cwd: project,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const killer = setTimeout(() => {
    try {
      process.kill(-(child.pid as number), 'SIGKILL');
    } catch {
      // Gone already.
    }
  }, timeoutMs);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(killer);
      resolve({ code, stdout, stderr, ms: Date.now() - t0 });
    });
  });
}

/** Like `sh`, but a line that exits other than 0 throws with what it printed. */
async function must(line: string, env?: NodeJS.ProcessEnv): Promise<Ran> {
  const r = await sh(line, env, 600_000);
  if (r.code !== 0) throw new Error(`\`${line}\` exited with ${r.code}:\n${r.stdout}\n${r.stderr}`);
  return r;
}

beforeAll(async () => {
  packDir = mkdtempSync(join(tmpdir(), 'jobgate-pack-'));
  project = mkdtempSync(join(tmpdir(), 'jobgate-own-jobs-'));
  // `npm pack` in this repository, into a directory of its own (its prepack builds what is missing).
  lineOf(SETUP, /^npm pack$/);
  await timed('pack', () => run('npm', ['pack', '--pack-destination', packDir], { cwd: ROOT }));
  const packed = readdirSync(packDir).find((f) => f.endsWith('.tgz')) as string;
  // The README's `npm install /path/to/jobgate/jobgate-0.1.0.tgz zod typescript`, with the real path.
  const install = lineOf(SETUP, /^npm install /);
  const named = /\S+\.tgz/.exec(install)?.[0] ?? '';
  if (basename(named) !== packed)
    throw new Error(`npm pack wrote ${packed}; the README installs ${basename(named)}`);
  await must(lineOf(SETUP, /^npm init/));
  const quiet = { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false' };
  await timed('install', () => must(install.replace(named, join(packDir, packed)), quiet));
  for (const [name, text] of Object.entries(readmeFiles()))
    writeFileSync(join(project, name), text);
  await timed('tsc', () => must(lineOf(BUILD, /^npx tsc$/)));
}, 900_000);

afterAll(() => {
  console.log(
    `own-jobs walkthrough timings: ${Object.entries(timings)
      .map(([step, ms]) => `${step} ${(ms / 1000).toFixed(1)} s`)
      .join(', ')}`,
  );
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
  /** What the README's CLI lines run with: the settings of this test's jobgate (see src/cli/client/options.ts). */
  let cliEnv: NodeJS.ProcessEnv;

  // The README's commands against the running jobgate, as written; `<id>` stands for a job's id.
  const [SUBMIT_RESIZE, SUBMIT_RESIZE_TEMPORAL, SUBMIT_ORDER, SIGNAL, LOGS] = STEPS;
  const withId = (line: string, id: string): string => line.replaceAll('<id>', id);
  /** The JSON of a line's `--input '...'` or `--payload '...'`. */
  const jsonOf = (line: string, option: string): Record<string, unknown> =>
    JSON.parse(new RegExp(`--${option} '([^']*)'`).exec(line)?.[1] ?? 'null') as Record<
      string,
      unknown
    >;
  /** The id a `jobs submit` printed: `submitted job <id>: <type> on <backend> ...`. */
  const submitted = (r: Ran): { id: string; type: string; backend: string } => {
    const m = /^submitted job (\S+): (\S+) on (\w+)/m.exec(r.stdout);
    if (!m) throw new Error(`no job id in what the submit printed:\n${r.stdout}\n${r.stderr}`);
    return { id: m[1], type: m[2], backend: m[3] };
  };
  const said = (r: Ran): string => `exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`;

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

  beforeAll(async () => {
    expect(STEPS).toHaveLength(5);
    for (const line of STEPS) expect(line).toMatch(/^npx jobgate /);
    // No worker in this process: the gateway runs no user code and knows no type of the project.
    stack = await startTemporalStack({ worker: false, bullmqWorker: false });
    key = await stack.createKey(`own-${Date.now()}`, 'OPERATOR');
    cliEnv = { ...process.env, JOBGATE_URL: stack.url, JOBGATE_KEY: key };
    const t0 = Date.now();
    // The README's `npx jobgate worker --jobs ./dist/jobs.js`, with the stack's settings.
    worker = spawn('bash', ['-c', lineOf(BUILD, /^npx jobgate worker /)], {
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
    // "Within seconds `{ jobTypes { name version workers } }` lists images.resize and
    // orders.approve with `workers: 1`."
    const registered = stack.waitFor(
      async () => {
        const r = await stack.gql<{ jobTypes: { name: string; workers: number }[] }>(
          '{ jobTypes { name version workers } }',
        );
        const served = (r.data?.jobTypes ?? []).filter((t) => t.workers === 1).map((t) => t.name);
        return served.includes('images.resize') && served.includes('orders.approve');
      },
      30_000,
      `jobTypes to list the project's types with one worker; worker said: ${workerOutput}`,
    );
    await Promise.race([registered, exitedEarly]);
    timings['worker start to workers: 1'] = Date.now() - t0;
  }, 120_000);

  afterAll(async () => {
    // The worker's process group: bash, npx and the node process it started. Any may have
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

  it.each([
    { line: SUBMIT_RESIZE, backend: 'BULLMQ' },
    { line: SUBMIT_RESIZE_TEMPORAL, backend: 'TEMPORAL' },
  ])(
    '`$line` runs it on $backend to SUCCEEDED and prints its result',
    async ({ line, backend }) => {
      const r = await sh(line, cliEnv);
      timings[backend === 'BULLMQ' ? 'first job SUCCEEDED' : 'job on TEMPORAL SUCCEEDED'] = r.ms;
      expect({ code: r.code, said: said(r) }).toMatchObject({ code: 0 });
      const { id, type, backend: ranOn } = submitted(r);
      expect([type, ranOn]).toEqual(['images.resize', backend]);
      const input = jsonOf(line, 'input');
      const last = r.stdout.trimEnd().split('\n').slice(-2);
      expect(last[0]).toBe(`${id} SUCCEEDED 100%`);
      expect(last[1]).toMatch(/^result: \{/);
      expect(JSON.parse(last[1].slice('result: '.length))).toEqual({
        ...input,
        bytes: (input.width as number) * 100,
      });
      // The line the README shows, as printed.
      expect(last[1]).toBe(/`(result: [^`]*)`/.exec(ownJobsPart())?.[1]);
      // The stored job: the progress and the log line the job reported.
      const done = await until(id, 'SUCCEEDED');
      expect(done.backend).toBe(backend);
      expect(done.progress).toBe(100);
      expect(done.logs.map((l: { line: string }) => l.line)).toEqual([
        `resizing ${input.url as string} to ${input.width as number} px`,
      ]);
    },
    90_000,
  );

  it('refuses input that does not match the zod schema, naming the field as the README says', async () => {
    const bad = SUBMIT_RESIZE.replace('"width":640', '"width":"wide"').replace(/ --wait$/, '');
    expect(bad).not.toBe(SUBMIT_RESIZE);
    const r = await sh(bad, cliEnv);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('input.width must be integer');
    expect(r.stderr).toContain('(BAD_USER_INPUT)');
  });

  it('runs the workflow: the submit prints its id, the signal decides it, and `jobs logs` prints its line', async () => {
    const t0 = Date.now();
    const sub = await sh(SUBMIT_ORDER, cliEnv);
    expect({ code: sub.code, said: said(sub) }).toMatchObject({ code: 0 });
    const { id, type, backend } = submitted(sub);
    expect([type, backend]).toEqual(['orders.approve', 'TEMPORAL']);
    expect(sub.stdout.trim().split('\n')).toHaveLength(1);

    // Between the README's lines: the workflow waits, and answers its query.
    await until(id, 'WAITING');
    const q = await stack.gql<{ workflowQuery: unknown }>(
      'query($id: ID!) { workflowQuery(jobId: $id, name: "status") }',
      { id },
      key,
    );
    expect(q.data?.workflowQuery).toBe('waiting');

    // "... and so is a `decide` payload that does not match its schema."
    const bad = await sh(withId(SIGNAL, id).replace('"approved":true', '"approved":"yes"'), cliEnv);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('payload.approved');
    expect(bad.stderr).toContain('(BAD_USER_INPUT)');

    const signalled = await sh(withId(SIGNAL, id), cliEnv);
    expect({ code: signalled.code, said: said(signalled) }).toMatchObject({ code: 0 });
    expect(signalled.stdout).toMatch(new RegExp(`^sent 'decide' to job ${id}: it is [A-Z]+\\n$`));

    const done = await until(id, 'SUCCEEDED');
    timings['workflow submit to SUCCEEDED'] = Date.now() - t0;
    const { approved, by } = jsonOf(SIGNAL, 'payload');
    const { orderId, amount } = jsonOf(SUBMIT_ORDER, 'input');
    expect(done.result).toEqual({ orderId, approved, by, charged: amount });
    const types = done.events.map((e: { type: string }) => e.type);
    expect(types).toEqual(
      expect.arrayContaining(['STARTED', 'WAITING', 'SIGNALED', 'ACTIVITY_COMPLETED', 'COMPLETED']),
    );
    expect(types.filter((t: string) => t === 'SIGNALED')).toHaveLength(1);
    expect(done.progress).toBe(100);

    const logs = await sh(withId(LOGS, id), cliEnv);
    expect({ code: logs.code, said: said(logs) }).toMatchObject({ code: 0 });
    expect(logs.stdout.trimEnd().split('\n')).toEqual([
      expect.stringMatching(/^\S+Z {2}(#\d+ {2})?approved by ana$/),
    ]);
  }, 120_000);
});
