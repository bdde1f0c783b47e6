import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { CLI, startStack } from '../helpers/stack';
import type { Stack } from '../helpers/stack';

let stack: Stack;

beforeAll(async () => {
  stack = await startStack();
}, 60_000);
afterAll(() => stack.close());

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The built binary as a user runs it. */
function cli(args: string[]): Promise<Run> {
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
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('jobgate schedules', () => {
  it('creates, lists, pauses, resumes, triggers and deletes a schedule', async () => {
    const id = `cli-${randomBytes(4).toString('hex')}`;
    const created = await cli([
      'schedules',
      'create',
      'echo',
      '--id',
      id,
      '--cron',
      '0 6 * * 1-5',
      '--timezone',
      'Europe/Berlin',
      '--input',
      '{"hello":"world"}',
      '--json',
    ]);
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    expect(JSON.parse(created.stdout)).toMatchObject({
      id,
      type: 'echo',
      cron: '0 6 * * 1-5',
      timezone: 'Europe/Berlin',
      paused: false,
    });
    const listed = await cli(['schedules', 'list']);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain(id);
    expect(listed.stdout).toContain('0 6 * * 1-5 (Europe/Berlin)');
    const paused = await cli(['schedules', 'pause', id, '--note', 'holiday', '--json']);
    expect(JSON.parse(paused.stdout)).toMatchObject({
      paused: true,
      note: 'holiday',
      nextRunTimes: [],
    });
    const resumed = await cli(['schedules', 'resume', id]);
    expect(resumed.stdout).toContain('active');
    const triggered = await cli(['schedules', 'trigger', id, '--json']);
    expect(triggered.code).toBe(0);
    const job = JSON.parse(triggered.stdout) as { id: string; backend: string };
    expect(job.backend).toBe('BULLMQ');
    const deleted = await cli(['schedules', 'delete', id]);
    expect(deleted.stdout).toContain(`schedule ${id} deleted`);
    expect((await cli(['schedules', 'list', '--json'])).stdout).not.toContain(id);
  });

  it('says what is wrong with a bad schedule and exits 1', async () => {
    const r = await cli(['schedules', 'create', 'echo', '--cron', 'not a cron']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('input.cron');
  });
});
