import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { CLI, REDIS_URL, exited, startStack } from '../helpers/stack';

const ROOT = join(__dirname, '..', '..');
const fixture = (name: string): string => join('test', 'fixtures', 'modules', name);

/** A valid configuration; the worker must exit before it connects to anything. */
const env: NodeJS.ProcessEnv = {
  ...process.env,
  REDIS_URL,
  DATABASE_URL: `postgres://postgres@127.0.0.1:5432/jobgate_never_${randomBytes(4).toString('hex')}`,
  JOBGATE_PREFIX: `tm${randomBytes(4).toString('hex')}`,
  JOBGATE_ADMIN_KEY: `admin_${randomBytes(16).toString('hex')}`,
  TEMPORAL_ENABLED: 'false',
  NODE_ENV: 'test',
  LOG_LEVEL: 'warn',
};

/** Runs `jobgate worker --jobs <modules>` from the repository root; at most 20 s. */
function worker(modules: string): Promise<{ code: number | null; stderr: string; ms: number }> {
  const started = Date.now();
  const child = spawn(process.execPath, [CLI, 'worker', '--jobs', modules], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stdout.resume();
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  return exited(child).then((code) => {
    clearTimeout(killer);
    return { code, stderr, ms: Date.now() - started };
  });
}

describe('jobgate worker --jobs with a module it cannot serve', () => {
  it('exits with status 2 naming a module that is missing', async () => {
    const r = await worker('./missing.js');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('job module ./missing.js: not found');
    expect(r.stderr).toContain(join(ROOT, 'missing.js'));
  });

  it('exits with status 2 naming a module that throws while it loads, with its error', async () => {
    const r = await worker(fixture('throws-on-load.js'));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`job module ${fixture('throws-on-load.js')}: failed to load`);
    expect(r.stderr).toContain('broken on purpose at load');
  });

  it('exits with status 2 naming a module that exports no definition', async () => {
    const r = await worker(fixture('no-definitions.js'));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      `job module ${fixture('no-definitions.js')}: exports no jobgate definition`,
    );
  });

  it('exits with status 2 naming the module that is missing when another one is fine', async () => {
    const r = await worker(`${fixture('good.js')},./missing.js`);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('job module ./missing.js: not found');
  });

  it('exits with status 2 naming a type defined twice', async () => {
    const r = await worker(fixture('same-name-twice.js'));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("job type 'modules.twice': is defined twice");
  });

  it('exits with status 2 naming a type that two modules both define', async () => {
    const r = await worker(`${fixture('good.js')},${fixture('hello-again.js')}`);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("job type 'modules.hello': is defined twice");
  });

  it('exits with status 2 naming a type whose input schema cannot compile', async () => {
    const r = await worker(fixture('bad-schema.js'));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("job type 'modules.bad-schema': input does not compile");
  });
});

describe('jobgate worker --jobs with a module it can serve', () => {
  it('registers its type with one live worker and stops cleanly on SIGTERM', async () => {
    const stack = await startStack({ bullmqWorker: false, jobs: [] });
    try {
      const child = stack.spawn(['worker', '--jobs', join(ROOT, fixture('good.js'))]);
      const type = await stack.waitFor(
        async () => {
          const r = await stack.gql<{ jobTypes: { name: string; workers: number }[] }>(
            '{ jobTypes { name workers } }',
          );
          return r.data?.jobTypes.find((t) => t.name === 'modules.hello' && t.workers === 1);
        },
        20_000,
        'modules.hello with one worker',
      );
      expect(type).toEqual({ name: 'modules.hello', workers: 1 });
      const job = await stack.gql<{ submitJob: { id: string } }>(
        'mutation { submitJob(input: { type: "modules.hello", input: 7 }) { id } }',
      );
      const id = job.data!.submitJob.id;
      const done = await stack.waitFor(
        async () => {
          const r = await stack.gql<{ job: { status: string; result: unknown } }>(
            'query($id: ID!) { job(id: $id) { status result } }',
            { id },
          );
          return r.data?.job.status === 'SUCCEEDED' ? r.data.job : null;
        },
        20_000,
        'the job to succeed',
      );
      expect(done.result).toEqual({ hello: 7 });
      child.kill('SIGTERM');
      expect(await exited(child)).toBe(0);
    } finally {
      await stack.close();
    }
  }, 60_000);
});
