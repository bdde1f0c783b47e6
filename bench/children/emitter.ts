/**
 * A bus producer in its own process (as workers are in production), so that
 * producing events costs the measured aggregator's event loop nothing. Emits
 * the events it is sent at a fixed rate, in small batches every 20 ms, and
 * reports when done. Driven over IPC by bench/metrics/persistence.ts.
 */
import { Redis } from 'ioredis';
import { busKeys } from '../../src/bus/bus-keys';
import { BusEmitter } from '../../src/bus/event-emitter';
import type { NewJobEvent } from '../../src/model/job-event';
import { sleep } from '../lib/stats';

interface Start {
  redisUrl: string;
  prefix: string;
  rate: number;
  ms: number;
  events: NewJobEvent[];
}

async function run(o: Start): Promise<number> {
  const redis = new Redis(o.redisUrl);
  const emitter = new BusEmitter(redis, busKeys(o.prefix), 10_000_000);
  try {
    const t0 = performance.now();
    let sent = 0;
    while (performance.now() - t0 < o.ms && sent < o.events.length) {
      const due = Math.min(o.events.length, Math.floor(((performance.now() - t0) / 1000) * o.rate));
      if (due > sent) {
        await emitter.emit(o.events.slice(sent, due));
        sent = due;
      }
      await sleep(20);
    }
    return sent;
  } finally {
    redis.disconnect();
  }
}

process.once('message', (o: Start) => {
  run(o).then(
    (sent) => process.send?.({ sent }),
    (err: unknown) => process.send?.({ error: String(err) }),
  );
});
process.on('disconnect', () => process.exit(0));
