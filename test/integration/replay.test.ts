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
});
