import { createServer } from 'node:net';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { startDevServer } from '../../src/lanes/temporal/dev-server';
import type { DevServer } from '../../src/lanes/temporal/dev-server';

/** The Temporal CLI built by scripts/ensure-temporal.sh. */
export const TEMPORAL_BINARY =
  process.env.TEMPORAL_BINARY ?? join(__dirname, '..', '..', '.tools', 'bin', 'temporal');

/** A TCP port nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** A headless, in-memory Temporal dev server on a free port, for one test run. */
export async function startTestTemporal(): Promise<DevServer> {
  if (!existsSync(TEMPORAL_BINARY)) {
    throw new Error(
      `no Temporal CLI at ${TEMPORAL_BINARY}; run scripts/ensure-temporal.sh (or set TEMPORAL_BINARY)`,
    );
  }
  for (let tries = 1; ; tries++) {
    try {
      return await startDevServer({
        binary: TEMPORAL_BINARY,
        port: await freePort(),
        headless: true,
      });
    } catch (err) {
      // Another process took the port between the probe and the bind.
      if (tries >= 3) throw err;
    }
  }
}

/** The address the global setup exported; suites fail clearly when run without it. */
export function testTemporalAddress(): string {
  const a = process.env.TEMPORAL_ADDRESS;
  if (!a)
    throw new Error(
      'TEMPORAL_ADDRESS is not set: run the suites through jest with test/global-setup.ts',
    );
  return a;
}
