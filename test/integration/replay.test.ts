import { randomBytes } from 'node:crypto';
import { busKeys } from '../../src/bus/bus-keys';
import { BusEmitter } from '../../src/bus/event-emitter';
import { EventFeed } from '../../src/projection/event-feed';
import type { EventHub } from '../../src/bus/event-hub';
import type { NewJobEvent } from '../../src/model/job-event';
import { Backend, JobEventType } from '../../src/model/enums';
import { EventStore } from '../../src/store/event-store';
import { startStack } from '../helpers/stack';
import type { Stack } from '../helpers/stack';
import type { EventQuery } from '../../src/model/event-query';

describe('jobEvents replay (after:)', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ bullmqWorker: false, aggregator: false });
  });
  afterAll(() => stack.close());

  it('gives each event once when a burst lands in the stream and in Postgres between its reads', async () => {
    // Its own stream, empty when the replay starts, as for a subscriber resuming just before a burst.
    const keys = busKeys(`treplay${randomBytes(4).toString('hex')}`);
    const emitter = new BusEmitter(stack.redis, keys, 10_000);
    const burst: NewJobEvent[] = ['QUEUED', 'STARTED', 'COMPLETED'].map((type) => ({
      tenant: 'acme',
      source: Backend.BULLMQ,
      type: JobEventType[type as keyof typeof JobEventType],
      jobId: 'job-1',
      jobType: 'echo',
      queue: 'default',
    }));
    let emitted: string[] = [];
    // The real store, with the concurrent writer made deterministic: the burst is emitted and
    // stored (as the aggregator would) after the replay has found the stream empty and before it
    // reads Postgres.
    class RacedStore extends EventStore {
      override async list(...args: Parameters<EventStore['list']>): ReturnType<EventStore['list']> {
        if (!emitted.length) {
          const events = await emitter.emit(burst);
          await new EventStore(stack.app.ds).insert(events);
          emitted = events.map((e) => e.id);
        }
        return super.list(...args);
      }
    }
    // replay() reads only the stream and the store; the hub is for live events.
    const feed = new EventFeed(
      undefined as unknown as EventHub,
      stack.redis,
      keys,
      new RacedStore(stack.app.ds),
    );
    const query: EventQuery = { tenant: 'acme', jobId: 'job-1' };
    const got: string[] = [];
    for await (const e of feed.replay(query, '0-0')) got.push(e.id);
    expect(emitted).toHaveLength(3);
    expect(got).toEqual(emitted);
    await stack.redis.del(keys.stream);
  });

  it('reads what the aggregators stored from Postgres and only their lag from the stream, however old the cursor', async () => {
    const keys = busKeys(`treplay${randomBytes(4).toString('hex')}`);
    const emitter = new BusEmitter(stack.redis, keys, 100_000);
    const event = (tenant: string, i: number): NewJobEvent => ({
      tenant,
      source: Backend.BULLMQ,
      type: JobEventType.PROGRESS,
      jobId: `${tenant}-${i}`,
      jobType: 'echo',
      queue: 'default',
      progress: i % 100,
    });
    // 6,000 of another tenant's events around 2 of ours, all stored by "the aggregators"
    // (inserted, then delivered to and acknowledged by their group)...
    const events = [
      ...(await emitter.emit(Array.from({ length: 3000 }, (_, i) => event('noisy', i)))),
      ...(await emitter.emit([event('quiet', 1), event('quiet', 2)])),
      ...(await emitter.emit(Array.from({ length: 3000 }, (_, i) => event('noisy', 3000 + i)))),
    ];
    const store = new EventStore(stack.app.ds);
    for (let i = 0; i < events.length; i += 1000) await store.insert(events.slice(i, i + 1000));
    await stack.redis.xgroup('CREATE', keys.stream, keys.group, '$');
    // ...and 3 more of ours in their lag: delivered to a consumer, not yet acknowledged.
    const lag = await emitter.emit([event('quiet', 3), event('quiet', 4), event('noisy', 9)]);
    await stack.redis.call(
      'XREADGROUP',
      'GROUP',
      keys.group,
      'c1',
      'COUNT',
      10,
      'STREAMS',
      keys.stream,
      '>',
    );
    const late = await emitter.emit([event('quiet', 5)]);

    let streamEntriesRead = 0;
    const reader = new Proxy(stack.redis, {
      get(target, prop, receiver) {
        if (prop !== 'xrange') return Reflect.get(target, prop, receiver);
        return async (...args: Parameters<typeof target.xrange>) => {
          const r = await target.xrange(...args);
          streamEntriesRead += r.length;
          return r;
        };
      },
    });
    const feed = new EventFeed(undefined as unknown as EventHub, reader, keys, store);
    const got: string[] = [];
    for await (const e of feed.replay({ tenant: 'quiet' }, '0-0')) got.push(e.id);
    const quiet = [...events, ...lag, ...late].filter((e) => e.tenant === 'quiet').map((e) => e.id);
    expect(got).toEqual(quiet);
    // The lag (4 entries), not the 6,000 stored ones.
    expect(streamEntriesRead).toBeLessThanOrEqual(4);
    await stack.app.ds.query(`DELETE FROM job_events WHERE tenant IN ('noisy', 'quiet')`);
    await stack.redis.del(keys.stream);
  }, 60_000);
});
