/**
 * A server alone in its process, so its RSS growth per connection can be read
 * cleanly: `jobgate` runs the gateway as `jobgate gateway` does (no aggregator,
 * no worker; configuration from the environment), `raw` runs the raw ws
 * baseline on the same bus channel. Run with --expose-gc; driven over IPC by
 * bench/metrics/memory.ts.
 */
import 'reflect-metadata';
import pino from 'pino';
import { startApp } from '../../src/compose/app';
import { busKeys } from '../../src/bus/bus-keys';
import { loadConfig } from '../../src/config';
import { Role } from '../../src/model/enums';
import { RawFanoutServer } from '../lib/raw-fanout-server';
import { sleep } from '../lib/stats';

type Mode = 'jobgate' | 'raw';

async function collect(): Promise<NodeJS.MemoryUsage> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with --expose-gc');
  for (let i = 0; i < 4; i++) {
    gc();
    await sleep(100);
  }
  return process.memoryUsage();
}

async function main(): Promise<void> {
  const mode = process.argv[2] as Mode;
  const config = loadConfig(process.env);
  let close: () => Promise<void>;
  let url: string;
  const keys: Record<string, string> = {};
  if (mode === 'jobgate') {
    const app = await startApp(config, pino({ level: config.LOG_LEVEL }), {
      gateway: true,
      aggregator: false,
      bullmqWorker: false,
      migrate: false,
    });
    for (const tenant of (process.env.BENCH_TENANTS ?? '').split(','))
      keys[tenant] = (await app.services.keys.create(tenant, Role.VIEWER)).secret;
    url = `${(app.url as string).replace(/^http/, 'ws')}/graphql`;
    close = () => app.close();
  } else {
    const raw = new RawFanoutServer(config.REDIS_URL, busKeys(config.JOBGATE_PREFIX).channel);
    url = await raw.start();
    close = () => raw.close();
  }
  process.on('message', (m: { cmd: string }) => {
    if (m.cmd === 'measure') {
      collect().then(
        (mem) => process.send?.({ mem }),
        (err: unknown) => process.send?.({ error: String(err) }),
      );
    } else if (m.cmd === 'stop') {
      close().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    }
  });
  process.send?.({ ready: true, url, keys });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
