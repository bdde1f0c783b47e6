import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

/** A `jobgate gateway` process of the bench, on its own port. */
export interface GatewayProcess {
  /** http://127.0.0.1:port/graphql */
  url: string;
  pid: number;
  close(): Promise<void>;
}

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });

const exited = (child: ChildProcess): Promise<void> =>
  new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
  });

/**
 * Runs the gateway as a deployment does: `jobgate gateway` in its own process (no worker, no
 * aggregator), so the load generator of the bench does not share its thread. `env` is the
 * bench stack's environment: same Redis prefix, database and registered types.
 */
export async function startGatewayProcess(env: NodeJS.ProcessEnv): Promise<GatewayProcess> {
  const port = await freePort();
  const cli = join(__dirname, '..', '..', 'src', 'cli', 'index.js');
  const child = spawn(process.execPath, [cli, 'gateway'], {
    env: { ...env, PORT: String(port), HOST: '127.0.0.1', TEMPORAL_ENABLED: 'false' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const base = `http://127.0.0.1:${port}`;
  const until = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`jobgate gateway exited (${child.exitCode})`);
    const ok = await fetch(`${base}/readyz`)
      .then((r) => r.ok)
      .catch(() => false);
    if (ok) break;
    if (Date.now() > until) {
      child.kill('SIGKILL');
      throw new Error('jobgate gateway did not become ready within 60 s');
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url: `${base}/graphql`,
    pid: child.pid as number,
    close: async () => {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited(child);
      clearTimeout(timer);
    },
  };
}
