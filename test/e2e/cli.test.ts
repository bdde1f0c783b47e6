import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createServer, connect } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { CLI, exited, startStack } from '../helpers/stack';
import type { Stack } from '../helpers/stack';

/** The built binary, run as a user would: a subprocess with its own environment and no terminal. */
interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

interface Follower {
  child: ChildProcess;
  out: string[];
  err: () => string;
  waitForLine(pred: (line: string) => boolean, what: string, timeoutMs?: number): Promise<string>;
}

let stack: Stack;

const envFor = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
  PATH: process.env.PATH,
  HOME: process.env.HOME,
  JOBGATE_URL: stack.url,
  JOBGATE_KEY: stack.adminKey,
  ...extra,
});

function cli(args: string[], extra: NodeJS.ProcessEnv = {}): Promise<Run> {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: envFor(extra),
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

/** A long-running command whose output is read line by line while it runs. */
function follow(args: string[], extra: NodeJS.ProcessEnv = {}): Follower {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: envFor(extra),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out: string[] = [];
  let partial = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => {
    const parts = (partial + d.toString()).split('\n');
    partial = parts.pop() ?? '';
    out.push(...parts);
  });
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  followers.push(child);
  return {
    child,
    out,
    err: () => stderr,
    waitForLine: (pred, what, timeoutMs = 20_000) =>
      stack.waitFor(
        async () => out.find(pred),
        timeoutMs,
        `${what}; stdout so far:\n${out.join('\n')}\nstderr:\n${stderr}`,
      ),
  };
}
const followers: ChildProcess[] = [];

const json = <T = any>(r: Run): T => JSON.parse(r.stdout) as T;

async function submit(input: Record<string, unknown>): Promise<string> {
  const r = await stack.gql<{ submitJob: { id: string } }>(
    'mutation($i: SubmitJobInput!) { submitJob(input: $i) { id } }',
    { i: input },
  );
  if (!r.data) throw new Error(JSON.stringify(r.errors));
  return r.data.submitJob.id;
}

const statusOf = async (id: string): Promise<string | undefined> =>
  (
    await stack.gql<{ job: { status: string } | null }>(
      'query($id: ID!) { job(id: $id) { status } }',
      { id },
    )
  ).data?.job?.status;

const waitForStatus = (id: string, status: string): Promise<true> =>
  stack.waitFor(async () => (await statusOf(id)) === status, 20_000, `job ${id} to be ${status}`);

/** Stored events of some jobs, oldest first, once the aggregator has them all (the last is final). */
async function storedEvents(jobIds: string[]): Promise<string[]> {
  const ids: string[] = [];
  for (const jobId of jobIds) {
    const events = await stack.waitFor(
      async () => {
        const r = await stack.gql<{ events: { id: string; type: string }[] }>(
          'query($f: JobEventFilter) { events(filter: $f, first: 1000) { id type } }',
          { f: { jobId } },
        );
        const list = r.data?.events ?? [];
        return list.at(-1)?.type === 'COMPLETED' ? list : undefined;
      },
      20_000,
      `stored events of ${jobId}`,
    );
    ids.push(...events.map((e) => e.id));
  }
  return ids;
}

/** An address where nothing listens: a port taken from the OS and given back. */
async function deadUrl(): Promise<string> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return `http://127.0.0.1:${port}/graphql`;
}

/**
 * A TCP proxy in front of the gateway that can cut every connection and
 * refuse new ones: the network fault a dropped connection needs, which a real
 * gateway does not produce on demand.
 */
class FlakyProxy {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  refusing = false;

  constructor(target: URL) {
    this.server = createServer((client) => {
      if (this.refusing) return client.destroy();
      const upstream = connect(Number(target.port), target.hostname);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => {});
      }
      client.pipe(upstream).pipe(client);
    });
  }

  async start(): Promise<string> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', () => r()));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/graphql`;
  }

  cut(): void {
    for (const s of this.sockets) s.destroy();
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

beforeAll(async () => {
  stack = await startStack();
});

afterEach(async () => {
  for (const c of followers.splice(0)) {
    if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await exited(c);
  }
  // Some tests pause the queue; a failed one must not leave it paused for the next.
  await stack.gql('mutation { resumeQueue(name: "default") { paused } }');
});

afterAll(async () => {
  await stack?.close();
});

describe('jobs', () => {
  it('submits a job, then gets it and lists it, as text and as JSON', async () => {
    const sub = await cli(['jobs', 'submit', 'echo', '--input', '{"hello":"world"}', '--json']);
    expect(sub.code).toBe(0);
    const job = json<{ id: string; type: string; backend: string; input: unknown }>(sub);
    expect(job).toMatchObject({ type: 'echo', backend: 'BULLMQ', input: { hello: 'world' } });
    await waitForStatus(job.id, 'SUCCEEDED');

    const get = await cli(['jobs', 'get', job.id]);
    expect(get.code).toBe(0);
    expect(get.stdout).toMatch(new RegExp(`^id\\s+${job.id}$`, 'm'));
    expect(get.stdout).toMatch(/^status\s+SUCCEEDED 100%$/m);
    expect(get.stdout).toMatch(/^result\s+\{"hello":"world"\}$/m);

    const getJson = json<{ id: string; status: string; result: unknown }>(
      await cli(['jobs', 'get', job.id, '--json']),
    );
    expect(getJson).toMatchObject({ id: job.id, status: 'SUCCEEDED', result: { hello: 'world' } });

    const list = await cli(['jobs', 'list', '--type', 'echo', '--status', 'succeeded']);
    expect(list.code).toBe(0);
    const [header, ...rows] = list.stdout.trimEnd().split('\n');
    expect(header.split(/\s{2,}/)).toEqual([
      'ID',
      'TYPE',
      'STATUS',
      'PROGRESS',
      'ATTEMPTS',
      'BACKEND',
      'QUEUE',
      'CREATED',
    ]);
    expect(
      rows
        .find((r) => r.startsWith(job.id))
        ?.split(/\s{2,}/)
        .slice(0, 3),
    ).toEqual([job.id, 'echo', 'SUCCEEDED']);

    const listJson = json<{ jobs: { id: string }[]; pageInfo: { hasNextPage: boolean } }>(
      await cli(['jobs', 'list', '--json', '--first', '1']),
    );
    expect(listJson.jobs).toHaveLength(1);
    expect(listJson.pageInfo).toHaveProperty('hasNextPage');
  });

  it('submit --wait follows the job, prints its result and exits 0 when it succeeds', async () => {
    const r = await cli(['jobs', 'submit', 'sleep', '--input', '{"ms":300}', '--wait']);
    expect(r.code).toBe(0);
    const id = /submitted job (\S+):/.exec(r.stdout)?.[1];
    expect(r.stdout.trimEnd().split('\n').slice(-2)).toEqual([
      `${id} SUCCEEDED 100%`,
      'result: {"sleptMs":300}',
    ]);
  });

  it('submit --wait prints no result for a job that fails, and exits 1', async () => {
    const r = await cli([
      'jobs',
      'submit',
      'fail',
      '--input',
      '{"message":"disk full"}',
      '--attempts',
      '1',
      '--wait',
    ]);
    expect(r.code).toBe(1);
    const id = /submitted job (\S+):/.exec(r.stdout)?.[1];
    expect(r.stdout.trimEnd().split('\n').at(-1)).toBe(`${id} FAILED 0%`);
    expect(r.stdout).not.toContain('result:');
    expect(r.stderr).toContain(`job ${id} FAILED: disk full`);
  });

  it('watch off a terminal prints `<id> <STATUS> <progress>%` lines and exits 0 once every job succeeded', async () => {
    // The queue stays paused until the watch has printed the jobs as QUEUED, so it sees them run.
    await stack.gql('mutation { pauseQueue(name: "default") { paused } }');
    const slow = await submit({ type: 'sleep', input: { ms: 1000 } });
    const quick = await submit({ type: 'echo', input: 1 });
    const watch = follow(['jobs', 'watch', slow, quick]);
    await watch.waitForLine((l) => l === `${quick} QUEUED 0%`, 'the watch to start');
    await stack.gql('mutation { resumeQueue(name: "default") { paused } }');
    expect(await exited(watch.child)).toBe(0);

    const lines = watch.out.filter(Boolean);
    expect(lines.slice(0, 2)).toEqual([`${slow} QUEUED 0%`, `${quick} QUEUED 0%`]);
    for (const l of lines)
      expect(l).toMatch(
        /^\S+ (QUEUED|DELAYED|RUNNING|WAITING|SUCCEEDED|FAILED|CANCELLED) \d{1,3}%$/,
      );
    expect(lines.filter((l) => l.startsWith(slow)).at(-1)).toBe(`${slow} SUCCEEDED 100%`);
    expect(lines.filter((l) => l.startsWith(quick)).at(-1)).toBe(`${quick} SUCCEEDED 100%`);
    // The sleep job reports progress in steps of 10: the watch showed them as they came.
    expect(lines).toEqual(
      expect.arrayContaining([`${slow} RUNNING 10%`, `${slow} RUNNING 50%`, `${slow} RUNNING 90%`]),
    );
  });

  it('watch exits 1 when a job fails, and says why on stderr', async () => {
    const id = await submit({ type: 'fail', input: { message: 'disk full' }, delayMs: 500 });
    const r = await cli(['jobs', 'watch', id]);
    expect(r.code).toBe(1);
    expect(r.stdout.trimEnd().split('\n').at(-1)).toBe(`${id} FAILED 0%`);
    expect(r.stderr).toContain(`job ${id} FAILED: disk full`);
  });

  it('watch --json prints one JSON state per change', async () => {
    const id = await submit({ type: 'sleep', input: { ms: 500 } });
    const r = await cli(['jobs', 'watch', id, '--json']);
    expect(r.code).toBe(0);
    const states = r.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { id: string; status: string });
    expect(states.at(-1)).toMatchObject({ id, status: 'SUCCEEDED', progress: 100 });
  });

  const hasScript = ((): boolean => {
    try {
      execFileSync('script', ['--version'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();
  (hasScript ? it : it.skip)(
    'watch on a terminal redraws a progress bar per job in place',
    async () => {
      await stack.gql('mutation { pauseQueue(name: "default") { paused } }');
      const a = await submit({ type: 'sleep', input: { ms: 1000 } });
      const b = await submit({ type: 'echo', input: 2 });
      // script(1) gives the command a pseudo-terminal, as a person's shell would.
      const command = `stty cols 140; ${process.execPath} ${CLI} jobs watch ${a} ${b}`;
      const child = spawn('script', ['-q', '-e', '-c', command, '/dev/null'], {
        env: envFor({ TERM: 'xterm' }),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      followers.push(child);
      let screen = '';
      child.stdout.on('data', (d: Buffer) => (screen += d.toString()));
      await stack.waitFor(async () => screen.includes('QUEUED'), 20_000, 'the first frame');
      await stack.gql('mutation { resumeQueue(name: "default") { paused } }');
      expect(await exited(child)).toBe(0);

      expect(screen).toMatch(new RegExp(`${a}  sleep  ░{24}   0%  \\x1b\\[36mQUEUED`));
      expect(screen).toMatch(new RegExp(`${a}  sleep  █{12}░{12}  50%  \\x1b\\[36mRUNNING`));
      expect(screen).toMatch(new RegExp(`${a}  sleep  █{24} 100%  \\x1b\\[32mSUCCEEDED`));
      expect(screen).toContain('\r\x1b[2A'); // back up over the two job lines to redraw them
      expect(screen).toContain('2 of 2 succeeded');
    },
  );

  it('cancels a delayed job and retries it', async () => {
    const id = await submit({ type: 'echo', input: 3, delayMs: 60_000 });
    const cancel = await cli(['jobs', 'cancel', id, '--reason', 'not today']);
    expect(cancel.code).toBe(0);
    expect(cancel.stdout).toBe(`cancelled job ${id}: it is CANCELLED\n`);
    await waitForStatus(id, 'CANCELLED');
    const again = await cli(['jobs', 'cancel', id]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('(CONFLICT)');
    const retry = await cli(['jobs', 'retry', id, '--json']);
    expect(retry.code).toBe(0);
    expect(json(retry)).toMatchObject({ id, status: 'QUEUED' });
  });
});

describe('events tail', () => {
  it('prints the events after --after, and resumes from any id printed without repeating it', async () => {
    const id = await submit({ type: 'echo', input: 'tail' });
    await waitForStatus(id, 'SUCCEEDED');
    const all = await cli(['events', 'tail', '--after', '0-0', '--job', id, '--limit', '3']);
    expect(all.code).toBe(0);
    const lines = all.stdout.trimEnd().split('\n');
    expect(lines.map((l) => l.split(/\s{2,}/)[2])).toEqual(['QUEUED', 'STARTED', 'COMPLETED']);
    for (const l of lines) expect(l.split(/\s{2,}/)[3]).toBe(id);

    const second = lines[1].split(/\s+/)[0];
    const rest = await cli([
      'events',
      'tail',
      '--after',
      second,
      '--job',
      id,
      '--limit',
      '1',
      '--json',
    ]);
    expect(rest.code).toBe(0);
    expect(JSON.parse(rest.stdout)).toMatchObject({
      id: lines[2].split(/\s+/)[0],
      type: 'COMPLETED',
      jobId: id,
      jobType: 'echo',
    });
  });

  it('filters by --type and goes on with live events', async () => {
    const tail = follow(['events', 'tail', '--type', 'completed']);
    // Live only: a job submitted before the tail started is not shown, so submit until one is.
    const seen = await stack.waitFor(
      async () => {
        const id = await submit({ type: 'echo', input: 'live' });
        await waitForStatus(id, 'SUCCEEDED');
        return tail.out.find((l) => l.includes(id));
      },
      20_000,
      'a live COMPLETED event',
    );
    expect(seen.split(/\s{2,}/)[2]).toBe('COMPLETED');
    expect(tail.out.every((l) => l.split(/\s{2,}/)[2] === 'COMPLETED')).toBe(true);
    tail.child.kill('SIGINT');
    expect(await exited(tail.child)).toBe(130);
  });

  it('reconnects after the connection drops and resumes after the last event printed: no gap, no duplicate', async () => {
    const proxy = new FlakyProxy(new URL(stack.url));
    const url = await proxy.start();
    try {
      const tail = follow(['events', 'tail'], { JOBGATE_URL: url });
      let a = '';
      await stack.waitFor(
        async () => {
          a = await submit({ type: 'echo', input: 'a' });
          await waitForStatus(a, 'SUCCEEDED');
          return tail.out.some((l) => l.includes(a) && l.includes('COMPLETED'));
        },
        20_000,
        'the tail to be live',
      );
      const lastBeforeDrop = tail.out.at(-1)?.split(/\s+/)[0];

      proxy.refusing = true;
      proxy.cut();
      await stack.waitFor(
        async () => tail.err().includes('reconnecting'),
        10_000,
        'the tail to notice the drop',
      );
      // While the tail is cut off, a whole job runs.
      const b = await submit({ type: 'sleep', input: { ms: 200 } });
      await waitForStatus(b, 'SUCCEEDED');
      proxy.refusing = false;

      await tail.waitForLine(
        (l) => l.includes(b) && l.includes('COMPLETED'),
        `job ${b}'s COMPLETED event`,
      );
      const c = await submit({ type: 'echo', input: 'c' });
      await tail.waitForLine(
        (l) => l.includes(c) && l.includes('COMPLETED'),
        `job ${c}'s COMPLETED event`,
      );
      expect(tail.err()).toContain(`resuming after ${lastBeforeDrop}`);

      const printed = tail.out.map((l) => l.split(/\s+/)[0]);
      expect(new Set(printed).size).toBe(printed.length);
      const sorted = [...printed].sort((x, y) => {
        const [xm, xs] = x.split('-').map(Number);
        const [ym, ys] = y.split('-').map(Number);
        return xm - ym || xs - ys;
      });
      expect(printed).toEqual(sorted);
      // Every event of b (which ran entirely during the outage) and of c was printed.
      const stored = await storedEvents([b, c]);
      expect(stored.filter((id) => !printed.includes(id))).toEqual([]);
      tail.child.kill('SIGINT');
      expect(await exited(tail.child)).toBe(130);
    } finally {
      await proxy.close();
    }
  });

  it('says which --after is wrong', async () => {
    const r = await cli(['events', 'tail', '--after', 'yesterday']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--after: 'yesterday' is not an event id");
  });
});

describe('queues', () => {
  it('pauses and resumes a queue, and lists it either way', async () => {
    const pause = await cli(['queues', 'pause', 'default']);
    expect(pause.code).toBe(0);
    expect(pause.stdout).toMatch(/^queue default is paused \(/);
    const paused = json<{ name: string; paused: boolean }[]>(
      await cli(['queues', 'list', '--json']),
    );
    expect(paused.find((q) => q.name === 'default')?.paused).toBe(true);

    const resume = await cli(['queues', 'resume', 'default', '--json']);
    expect(resume.code).toBe(0);
    expect(json(resume)).toMatchObject({ name: 'default', paused: false });
    const list = await cli(['queues', 'list']);
    expect(list.stdout).toMatch(
      /^NAME\s+BACKEND\s+STATE\s+WAITING\s+ACTIVE\s+DELAYED\s+COMPLETED\s+FAILED$/m,
    );
    expect(list.stdout).toMatch(/^default\s+BULLMQ\s+running\s/m);

    const unknown = await cli(['queues', 'pause', 'nosuch']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('BullMQ queue nosuch was not found (NOT_FOUND)');
  });
});

describe('keys', () => {
  it('creates a key, lists it, revokes it, and the revoked key is refused', async () => {
    const created = await cli(['keys', 'create', 'acme', 'viewer', '--json']);
    expect(created.code).toBe(0);
    const key = json<{ id: string; tenant: string; role: string; secret: string }>(created);
    expect(key).toMatchObject({ tenant: 'acme', role: 'VIEWER' });
    expect(key.secret).toBeTruthy();

    const asViewer = await cli(['jobs', 'list', '--json'], { JOBGATE_KEY: key.secret });
    expect(asViewer.code).toBe(0);
    const forbidden = await cli(['jobs', 'submit', 'echo', '--key', key.secret]);
    expect(forbidden.code).toBe(1);
    expect(forbidden.stderr).toContain('(FORBIDDEN)');

    const list = await cli(['keys', 'list']);
    expect(list.stdout).toMatch(new RegExp(`^${key.id}\\s+acme\\s+VIEWER\\s+active\\s`, 'm'));

    const revoke = await cli(['keys', 'revoke', key.id]);
    expect(revoke.code).toBe(0);
    expect(revoke.stdout).toBe(`revoked API key ${key.id}\n`);
    const listed = json<{ id: string; revoked: boolean }[]>(await cli(['keys', 'list', '--json']));
    expect(listed.find((k) => k.id === key.id)?.revoked).toBe(true);

    const refused = await cli(['jobs', 'list'], { JOBGATE_KEY: key.secret });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe('error: the API key was refused: check --key or JOBGATE_KEY\n');
  });
});

describe('workflows', () => {
  // The durable lane is not part of this stack: these are the error paths, on a BULLMQ job.
  let bullmqJob: string;
  beforeAll(async () => {
    bullmqJob = await submit({ type: 'echo', input: 'not a workflow' });
  });

  it.each([
    [
      ['signal', '<id>', 'approve', '--payload', '{"by":"ann"}'],
      'only TEMPORAL jobs take signals (BAD_USER_INPUT)',
    ],
    [['query', '<id>', 'state'], 'workflowQuery is for TEMPORAL jobs (BAD_USER_INPUT)'],
    [['terminate', '<id>'], 'terminateJob is for TEMPORAL jobs, use cancelJob (BAD_USER_INPUT)'],
    [['cancel', '<id>'], 'runs on BULLMQ, not TEMPORAL'],
  ])('workflows %j on a BULLMQ job exits 1 and says why', async (args, message) => {
    const r = await cli(['workflows', ...args.map((a) => (a === '<id>' ? bullmqJob : a))]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(message);
  });

  it('submitting a workflow without Temporal exits 1 with BACKEND_UNAVAILABLE', async () => {
    const r = await cli(['jobs', 'submit', 'approval']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('(BACKEND_UNAVAILABLE)');
  });

  it('workflows list shows TEMPORAL jobs only', async () => {
    const r = await cli(['workflows', 'list', '--json']);
    expect(r.code).toBe(0);
    expect(json<{ jobs: unknown[] }>(r).jobs).toEqual([]);
  });
});

describe('errors', () => {
  it.each([
    [['jobs', 'frobnicate'], "unknown command 'frobnicate'"],
    [
      ['jobs', 'submit', 'echo', '--input', '{not json'],
      "option '--input <json>' argument '{not json' is invalid. it is not JSON",
    ],
    [['jobs', 'list', '--status', 'DONE'], 'expected one of QUEUED, DELAYED'],
    [['jobs', 'get'], "missing required argument 'id'"],
    [['keys', 'create', 'acme', 'boss'], 'expected one of VIEWER, OPERATOR, ADMIN'],
    [['jobs', 'list', '--first', '0'], 'expected a whole number from 1 to 500'],
  ])('%j is bad usage: exit 2', async (args, message) => {
    const r = await cli(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(r.stdout).toBe('');
  });

  it('no key at all is bad usage that names the fix', async () => {
    const r = await cli(['jobs', 'list'], { JOBGATE_KEY: '' });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no API key: pass --key or set JOBGATE_KEY');
  });

  it.each([
    [['jobs', 'list']],
    [['jobs', 'watch', '00000000-0000-0000-0000-000000000000']],
    [['events', 'tail']],
  ])('%j against an unreachable gateway exits 1 and says how to fix it', async (args) => {
    const url = await deadUrl();
    const r = await cli([...args, '--url', url]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `error: cannot reach the gateway at ${url}: is \`npm start\` running? set --url or JOBGATE_URL`,
    );
  });

  it('a wrong key is refused with the fix, over HTTP and before a WebSocket opens', async () => {
    for (const args of [
      ['jobs', 'list'],
      ['events', 'tail'],
    ]) {
      const r = await cli([...args, '--key', 'jg_not_a_real_key_at_all']);
      expect(r.code).toBe(1);
      expect(r.stderr).toBe('error: the API key was refused: check --key or JOBGATE_KEY\n');
    }
  });

  it('prints the GraphQL error with its code', async () => {
    const unknownType = await cli(['jobs', 'submit', 'nosuch']);
    expect(unknownType.code).toBe(1);
    expect(unknownType.stderr).toContain(
      "error: input.type: unknown job type 'nosuch'; known types: approval, batch, charge, echo",
    );
    expect(unknownType.stderr).toContain('(BAD_USER_INPUT)');
    const missing = await cli(['jobs', 'get', '00000000-0000-0000-0000-000000000000']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(
      'job 00000000-0000-0000-0000-000000000000 was not found (NOT_FOUND)',
    );
  });
});
