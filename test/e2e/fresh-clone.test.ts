import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { Client as PgClient } from 'pg';
import { REDIS_URL } from '../helpers/stack';

/**
 * What a new user does: clone the repository, `npm start`, run the README's first mutation,
 * Ctrl-C. The clone has no node_modules/, dist/ or .tools/, so `npm start` installs, builds and
 * builds the Temporal CLI itself (from the machine's npm and Go caches, so in a minute or two).
 */

const ROOT = join(__dirname, '..', '..');
const PG_BASE = process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432';
// A minute or two on a quiet machine; a busy CI runner (other suites on the same cores) has
// taken five.
const TIMEOUT = 10 * 60_000;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const portIsFree = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });

/** A free port whose +1000 (where the dev server puts its web UI) is free too. */
async function freePortPair(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const srv = createServer();
      srv.once('error', reject);
      srv.listen(0, '127.0.0.1', () => {
        const p = (srv.address() as { port: number }).port;
        srv.close(() => resolve(p));
      });
    });
    if (port + 1000 <= 65535 && (await portIsFree(port + 1000))) return port;
  }
}

const listening = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const s = createConnection({ port, host: '127.0.0.1' });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });

interface Proc {
  pid: number;
  ppid: number;
  pgid: number;
  cmd: string;
}

/** Every process on this machine, from /proc. */
function processes(): Proc[] {
  const out: Proc[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // pid (comm) state ppid pgrp ...; comm may hold spaces and parentheses.
      const [, ppid, pgid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const cmd = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0').join(' ').trim();
      out.push({ pid: Number(name), ppid: Number(ppid), pgid: Number(pgid), cmd });
    } catch {
      // Gone while we looked.
    }
  }
  return out;
}

/** The processes of the group `pgid` and every descendant of `root`, wherever its group. */
function treeOf(root: number, pgid: number): Proc[] {
  const all = processes();
  const found = new Map<number, Proc>();
  for (const p of all) if (p.pgid === pgid || p.pid === root) found.set(p.pid, p);
  for (let grew = true; grew;) {
    grew = false;
    for (const p of all)
      if (!found.has(p.pid) && found.has(p.ppid)) {
        found.set(p.pid, p);
        grew = true;
      }
  }
  return [...found.values()];
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    // A zombie still answers kill 0; it holds nothing but its exit status.
    return !/^\S+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};

describe('a fresh clone', () => {
  const id = randomBytes(4).toString('hex');
  const prefix = `fc${id}`;
  const dbName = `jobgate_fc_${id}`;
  let dir: string;
  let child: ChildProcess | undefined;
  let output = '';
  let passed = false;
  let env: NodeJS.ProcessEnv = {};
  let port = 0;
  let temporalPort = 0;

  afterAll(async () => {
    if (child?.pid && child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    if (!passed && output) {
      const file = join(tmpdir(), `jobgate-fresh-clone-${id}.log`);
      writeFileSync(file, output);
      console.warn(`the output of npm start is in ${file}`);
    }
    const redis = new Redis(REDIS_URL);
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await redis.del(...keys);
    } while (cursor !== '0');
    redis.disconnect();
    const pg = new PgClient({ connectionString: `${PG_BASE}/postgres` });
    await pg.connect();
    await pg.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
    await pg.end();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 180_000);

  /** `npm start` in the clone, in its own process group; its output and its exit. */
  const npmStart = (
    extra: NodeJS.ProcessEnv,
  ): {
    pgid: number;
    out: () => string;
    exit: Promise<number | null>;
    exited: () => boolean;
  } => {
    const npm = spawn('npm', ['start'], {
      cwd: dir,
      env: { ...env, ...extra },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = npm;
    let text = '';
    let done = false;
    const keep = (d: Buffer): void => {
      text += d.toString();
      output += d.toString();
    };
    npm.stdout?.on('data', keep);
    npm.stderr?.on('data', keep);
    const exit = new Promise<number | null>((r) =>
      npm.once('exit', (code) => {
        done = true;
        r(code);
      }),
    );
    return { pgid: npm.pid as number, out: () => text, exit, exited: () => done };
  };

  /** The promise's value, or 'hung' after `ms`; the timer does not outlive the call. */
  const within = async <T>(p: Promise<T>, ms: number): Promise<T | 'hung'> => {
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        p,
        new Promise<'hung'>((r) => (timer = setTimeout(() => r('hung'), ms))),
      ]);
    } finally {
      clearTimeout(timer);
    }
  };

  /** Waits until the stack answers /readyz, or fails with its output. */
  const untilReady = async (run: ReturnType<typeof npmStart>, timeoutMs: number): Promise<void> => {
    const until = Date.now() + timeoutMs;
    for (;;) {
      if (run.exited()) throw new Error(`npm start exited before /readyz answered:\n${run.out()}`);
      if (Date.now() > until) throw new Error(`/readyz did not answer in time:\n${run.out()}`);
      const ok = await fetch(`http://127.0.0.1:${port}/readyz`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) return;
      await sleep(500);
    }
  };

  /** GraphQL at the clone's gateway with the admin key it printed; throws on an error. */
  const gqlOf =
    (run: ReturnType<typeof npmStart>) =>
    async (query: string, variables?: Record<string, unknown>): Promise<any> => {
      const key = /admin key\s+(dev_[0-9a-f]+)/.exec(run.out())?.[1];
      const res = await fetch(`http://127.0.0.1:${port}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await res.json()) as { data?: any; errors?: unknown };
      if (!res.ok || body.errors) throw new Error(`${res.status}: ${JSON.stringify(body)}`);
      return body.data;
    };

  const leftIn = async (pgid: number): Promise<string[]> => {
    let left: Proc[] = [];
    for (const until = Date.now() + 30_000; Date.now() < until; await sleep(250)) {
      left = treeOf(-1, pgid).filter((p) => alive(p.pid));
      if (left.length === 0) break;
    }
    return left.map((p) => `${p.pid} ${p.cmd}`);
  };

  it(
    "npm start brings the whole stack up, runs the README's first mutation, and Ctrl-C leaves no process behind",
    async () => {
      dir = mkdtempSync(join(tmpdir(), 'jobgate-clone-'));
      execFileSync('git', ['clone', '--quiet', ROOT, dir], { stdio: 'ignore' });
      for (const absent of ['node_modules', 'dist', '.tools', '.data'])
        expect(existsSync(join(dir, absent))).toBe(false);

      port = await freePortPair();
      temporalPort = await freePortPair();
      env = {};
      // The environment of a shell, not of this test run (npm's and jest's variables, the test
      // Temporal server's address, NODE_ENV=test stay out).
      for (const [k, v] of Object.entries(process.env))
        if (!/^(npm_|JOBGATE_|TEMPORAL_|JEST_|NODE_ENV$|PORT$|HOST$|DATABASE_URL$)/.test(k))
          env[k] = v;
      Object.assign(env, {
        PORT: String(port),
        JOBGATE_PREFIX: prefix,
        DATABASE_URL: `${PG_BASE}/${dbName}`,
        REDIS_URL,
        TEMPORAL_ADDRESS: `127.0.0.1:${temporalPort}`,
        RATE_LIMIT_PER_SECOND: '0',
      });

      const started = Date.now();
      const run = npmStart({});
      await untilReady(run, TIMEOUT - 2 * 60_000);
      console.log(
        `fresh clone: npm start answered /readyz after ${(Date.now() - started) / 1000} s`,
      );
      // It said what it built, once, and kept Go's download lines to the log file.
      expect(output).toContain('building the Temporal dev server once');
      expect(output).not.toMatch(/^go: downloading/m);
      expect(existsSync(join(dir, '.tools', 'temporal-build.log'))).toBe(true);

      expect(/admin key\s+(dev_[0-9a-f]+)/.test(output)).toBe(true);
      // npm start built the dashboard, and the gateway serves it.
      expect(output).toMatch(new RegExp(`dashboard +http://\\S+:${port}/ui `));
      const ui = await fetch(`http://127.0.0.1:${port}/ui`);
      expect(ui.status).toBe(200);
      expect(await ui.text()).toContain('<div id="root"></div>');
      // It listens on this machine only: another address of this host is refused.
      const lan = Object.values(networkInterfaces())
        .flat()
        .find((i) => i && i.family === 'IPv4' && !i.internal)?.address;
      if (lan) {
        const far = await fetch(`http://${lan}:${port}/healthz`).then(
          (r) => `answered ${r.status}`,
          (err: Error) => String((err.cause as { code?: string } | undefined)?.code ?? err),
        );
        expect(far).toBe('ECONNREFUSED');
      }
      const gql = gqlOf(run);

      // The README's first mutation, as the README has it.
      const readme = readFileSync(join(dir, 'README.md'), 'utf8');
      const mutation = /```graphql\n(mutation[^\n]*)\n```/.exec(readme)?.[1];
      expect(mutation).toContain('submitJob(input: { type: "sleep"');
      const submitted = (await gql(mutation as string)).submitJob as { id: string };
      expect(submitted.id).toBeTruthy();
      let status = '';
      for (const end = Date.now() + 60_000; Date.now() < end && status !== 'SUCCEEDED';) {
        await sleep(500);
        status = (await gql('query($id: ID!) { job(id: $id) { status } }', { id: submitted.id }))
          .job?.status;
        expect(['QUEUED', 'DELAYED', 'RUNNING', 'SUCCEEDED', undefined]).toContain(status);
      }
      expect(status).toBe('SUCCEEDED');

      // Everything it runs, before Ctrl-C: npm, the gateway's node, the Temporal dev server.
      const pgid = run.pgid;
      const tree = treeOf(pgid, pgid);
      expect(tree.some((p) => /temporal server start-dev/.test(p.cmd))).toBe(true);

      process.kill(-pgid, 'SIGINT');
      const stopBy = Date.now() + 60_000;
      if ((await within(run.exit, 60_000)) === 'hung')
        throw new Error(`npm start did not exit within 60 s of SIGINT:\n${output}`);
      let left: Proc[] = [];
      while (Date.now() < stopBy) {
        left = [...tree.filter((p) => alive(p.pid)), ...treeOf(-1, pgid)].filter(
          (p, i, a) => a.findIndex((q) => q.pid === p.pid) === i && alive(p.pid),
        );
        if (left.length === 0) break;
        await sleep(250);
      }
      expect(left.map((p) => `${p.pid} ${p.cmd}`)).toEqual([]);
      expect(await listening(port)).toBe(false);
      expect(await listening(temporalPort)).toBe(false);
      expect(output).toContain('stopping temporal dev server');
      passed = true;
    },
    TIMEOUT,
  );
  it(
    'without Go and without the Temporal CLI, npm start says what to do and starts nothing; with TEMPORAL_ENABLED=false, or a Temporal server that answers, it builds nothing and runs; a Redis it started stops on Ctrl-C',
    async () => {
      // The clone the test above installed and built; its Temporal CLI is put aside.
      const binary = join(dir, '.tools', 'bin', 'temporal');
      expect(existsSync(binary)).toBe(true);
      renameSync(binary, join(dir, '.tools', 'temporal.aside'));
      // Nothing answers at TEMPORAL_ADDRESS (the port the dev server had is free again).
      expect(await listening(temporalPort)).toBe(false);

      const noGo = npmStart({ GO: join(dir, 'no-go-here', 'go') });
      const code = await within(noGo.exit, 120_000);
      if (code === 'hung') throw new Error(`npm start without Go did not exit:\n${noGo.out()}`);
      expect(code).not.toBe(0);
      const said = noGo.out();
      for (const advice of [
        'building it needs Go, which is not installed',
        'install Go',
        'TEMPORAL_ADDRESS',
        'TEMPORAL_ENABLED=false',
        'jobgate: nothing was started',
      ])
        expect(said).toContain(advice);
      expect(said).not.toContain('jobgate is up');
      expect(await listening(port)).toBe(false);
      expect(await leftIn(noGo.pgid)).toEqual([]);
      expect(existsSync(binary)).toBe(false);

      /**
       * `npm start` with `extra`, up to /readyz; one job of the README's type on `backend`
       * SUCCEEDED; no Temporal CLI built; then Ctrl-C, and nothing of its process group left.
       */
      const upRunAndStop = async (
        extra: NodeJS.ProcessEnv,
        backend: 'BULLMQ' | 'TEMPORAL',
        check: (pgid: number) => void,
      ): Promise<void> => {
        const run = npmStart({ GO: join(dir, 'no-go-here', 'go'), ...extra });
        await untilReady(run, 120_000);
        const gql = gqlOf(run);
        const sub = await gql(
          'mutation($b: BackendChoice) { submitJob(input: { type: "sleep", input: { ms: 50 }, backend: $b }) { id backend } }',
          { b: backend },
        );
        expect(sub.submitJob.backend).toBe(backend);
        let status = '';
        for (const until = Date.now() + 30_000; Date.now() < until && status !== 'SUCCEEDED';) {
          await sleep(300);
          const r = await gql('query($id: ID!) { job(id: $id) { status } }', {
            id: sub.submitJob.id,
          });
          status = r.job?.status;
        }
        expect(status).toBe('SUCCEEDED');
        expect(run.out()).not.toContain('building the Temporal');
        expect(existsSync(binary)).toBe(false);
        expect(treeOf(-1, run.pgid).some((p) => /temporal server/.test(p.cmd))).toBe(false);
        check(run.pgid);

        process.kill(-run.pgid, 'SIGINT');
        const stopped = await within(run.exit, 60_000);
        expect(stopped).not.toBe('hung');
        expect(await leftIn(run.pgid)).toEqual([]);
        expect(await listening(port)).toBe(false);
      };

      // The BullMQ lane alone: no build, no Temporal, and the stack runs.
      await upRunAndStop({ TEMPORAL_ENABLED: 'false' }, 'BULLMQ', () => undefined);

      // A Temporal server that answers (this test run's own) and no Redis at REDIS_URL: nothing
      // is built, the Temporal lane runs on that server, npm start runs a redis-server of its
      // own, and Ctrl-C stops it too.
      const reachable = process.env.TEMPORAL_ADDRESS;
      expect(reachable).toBeTruthy();
      const redisPort = await freePortPair();
      await upRunAndStop(
        { TEMPORAL_ADDRESS: reachable, REDIS_URL: `redis://127.0.0.1:${redisPort}` },
        'TEMPORAL',
        (pgid) =>
          expect(
            treeOf(-1, pgid).some((p) => new RegExp(`redis-server.*${redisPort}`).test(p.cmd)),
          ).toBe(true),
      );
      expect(await listening(redisPort)).toBe(false);
    },
    5 * 60_000,
  );
});
