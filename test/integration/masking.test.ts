import { randomBytes } from 'node:crypto';
import { busKeys } from '../../src/bus/bus-keys';
import { BusEmitter } from '../../src/bus/event-emitter';
import { Backend, JobEventType } from '../../src/model/enums';
import type { VersionedRegistration } from '../../src/store/job-type-store';
import { startStack } from '../helpers/stack';
import type { Stack } from '../helpers/stack';

/** Masking by the job's own paths, nested, across input, result and event meta. */
describe('masking for VIEWERs', () => {
  let stack: Stack;
  let operator: string;
  let viewer: string;
  const name = `mask-${randomBytes(3).toString('hex')}`;
  /** An emitter on the stack's bus, and the fields every event of `id` carries on `source`. */
  const emitting = (id: string, jobType: string, source: Backend) => ({
    emitter: new BusEmitter(stack.redis, busKeys(stack.env.JOBGATE_PREFIX as string), 100_000),
    base: { tenant: 'masking', source, jobId: id, jobType, queue: 'mask-test' },
  });
  const registration = (version: string, sensitiveFields: string[]): VersionedRegistration => ({
    name,
    version,
    description: 'card payments',
    defaultBackend: Backend.BULLMQ,
    queue: 'mask-test',
    inputSchema: { type: 'object' },
    maxAttempts: 1,
    backoffMs: 100,
    timeoutMs: 10_000,
    signals: [],
    signalSchemas: {},
    queries: [],
    workflowOnly: false,
    workflowName: null,
    sensitiveFields,
  });
  const input = {
    card: { number: '4111111111111111', holder: 'Ada' },
    items: [
      { secret: 's1', sku: 'a' },
      { secret: 's2', sku: 'b' },
    ],
    ssn: '078-05-1120',
    amount: 5,
  };
  const masked = {
    card: { number: '***', holder: 'Ada' },
    items: [
      { secret: '***', sku: 'a' },
      { secret: '***', sku: 'b' },
    ],
    ssn: '***',
    amount: 5,
  };

  beforeAll(async () => {
    stack = await startStack({ bullmqWorker: false });
    operator = await stack.createKey('masking', 'OPERATOR');
    viewer = await stack.createKey('masking', 'VIEWER');
    await stack.app.registry.register([
      registration('v1', ['card.number', 'items[].secret', 'ssn']),
    ]);
  });
  afterAll(() => stack.close());

  const inputOf = async (id: string, key: string): Promise<unknown> =>
    (
      await stack.gql<{ job: { input: unknown } }>(
        'query($id: ID!) { job(id: $id) { input } }',
        { id },
        key,
      )
    ).data?.job.input;

  it("masks nested paths by the job's own paths, after a new version and after its type is unregistered", async () => {
    const sub = await stack.gql<{ submitJob: { id: string } }>(
      'mutation($i: SubmitJobInput!) { submitJob(input: $i) { id } }',
      { i: { type: name, input } },
      operator,
    );
    const id = sub.data?.submitJob.id as string;
    expect(id).toBeTruthy();
    expect(await inputOf(id, viewer)).toEqual(masked);
    expect(await inputOf(id, operator)).toEqual(input);
    // A new version that marks nothing sensitive: the job keeps the paths it was submitted with.
    await stack.app.registry.register([registration('v2', [])]);
    expect(await inputOf(id, viewer)).toEqual(masked);
    const list = await stack.gql<{ jobs: { edges: { node: { input: unknown } }[] } }>(
      'query($f: JobFilter) { jobs(filter: $f) { edges { node { input } } } }',
      { f: { ids: [id] } },
      viewer,
    );
    expect(list.data?.jobs.edges[0].node.input).toEqual(masked);
    const gone = await stack.gql('mutation($n: String!) { unregisterJobType(name: $n) }', {
      n: name,
    });
    expect(gone.errors).toBeUndefined();
    expect(await inputOf(id, viewer)).toEqual(masked);
    // A job submitted under v2 has nothing masked.
    await stack.app.registry.register([registration('v3', [])]);
    const plain = await stack.gql<{ submitJob: { id: string } }>(
      'mutation($i: SubmitJobInput!) { submitJob(input: $i) { id } }',
      { i: { type: name, input } },
      operator,
    );
    expect(await inputOf(plain.data?.submitJob.id as string, viewer)).toEqual(input);
    await stack.app.registry.register([
      registration('v4', ['card.number', 'items[].secret', 'ssn']),
    ]);
  });

  it("masks a signal's payload, a result and a COMPLETED event's meta, for a VIEWER only, on every read path", async () => {
    const sub = await stack.gql<{ submitJob: { id: string } }>(
      'mutation($i: SubmitJobInput!) { submitJob(input: $i) { id } }',
      { i: { type: name, input } },
      operator,
    );
    const id = sub.data?.submitJob.id as string;
    // Events as the lanes and the workflow interceptor write them: a signal payload's fields
    // beside the signal's name, and one carried under `payload`.
    const { emitter, base } = emitting(id, name, Backend.TEMPORAL);
    await emitter.emit([
      {
        ...base,
        type: JobEventType.SIGNALED,
        message: 'approve',
        meta: { signal: 'approve', card: { number: '4111' } },
      },
      {
        ...base,
        type: JobEventType.SIGNALED,
        message: 'amend',
        meta: { signal: 'amend', payload: { ssn: '078' } },
      },
    ]);
    const metas = async (key: string, how: 'job' | 'events'): Promise<unknown[]> => {
      const r =
        how === 'job'
          ? await stack.gql<{ job: { events: { type: string; meta: unknown }[] } }>(
              'query($id: ID!) { job(id: $id) { events { type meta } } }',
              { id },
              key,
            )
          : await stack.gql<{ events: { type: string; meta: unknown }[] }>(
              'query($f: JobEventFilter) { events(filter: $f) { type meta } }',
              { f: { jobId: id } },
              key,
            );
      const list = how === 'job' ? (r.data as any)?.job.events : (r.data as any)?.events;
      return (list ?? [])
        .filter((e: { type: string }) => e.type === 'SIGNALED')
        .map((e: { meta: unknown }) => e.meta);
    };
    await stack.waitFor(
      async () => (await metas(operator, 'events')).length === 2,
      10_000,
      'the signals stored',
    );
    const clear = [
      { signal: 'approve', card: { number: '4111' } },
      { signal: 'amend', payload: { ssn: '078' } },
    ];
    const hidden = [
      { signal: 'approve', card: { number: '***' } },
      { signal: 'amend', payload: { ssn: '***' } },
    ];
    expect(await metas(operator, 'job')).toEqual(clear);
    expect(await metas(viewer, 'job')).toEqual(hidden);
    expect(await metas(viewer, 'events')).toEqual(hidden);
    // Live, over WebSocket.
    const live = stack.subscribe<{ jobEvents: { meta: unknown } }>(
      'subscription($f: JobEventFilter) { jobEvents(filter: $f, after: "0-0") { type meta } }',
      { f: { jobId: id, types: ['SIGNALED'] } },
      viewer,
    );
    await stack.waitFor(async () => live.items.length >= 2, 10_000, 'two pushed signals');
    live.dispose();
    expect(live.items.map((i) => i.jobEvents.meta)).toEqual(hidden);
    // The job's result, read from its row and from its COMPLETED event.
    await emitter.emit([
      {
        ...base,
        source: Backend.BULLMQ,
        type: JobEventType.COMPLETED,
        meta: { result: { card: { number: '4111' }, ok: true } },
      },
    ]);
    const done = await stack.waitFor(
      async () => {
        const r = await stack.gql<{
          job: { status: string; result: unknown; events: { type: string; meta: unknown }[] };
        }>(
          'query($id: ID!) { job(id: $id) { status result events { type meta } } }',
          { id },
          viewer,
        );
        return r.data?.job.status === 'SUCCEEDED' ? r.data.job : null;
      },
      10_000,
      'the job SUCCEEDED',
    );
    expect(done.result).toEqual({ card: { number: '***' }, ok: true });
    expect(done.events.find((e) => e.type === 'COMPLETED')?.meta).toEqual({
      result: { card: { number: '***' }, ok: true },
    });
  });

  it('reads nested fields afresh on each jobUpdated push', async () => {
    const sub = await stack.gql<{ submitJob: { id: string } }>(
      'mutation($i: SubmitJobInput!) { submitJob(input: $i) { id } }',
      { i: { type: name, input } },
      operator,
    );
    const id = sub.data?.submitJob.id as string;
    const updates = stack.subscribe<{ jobUpdated: { status: string; events: { type: string }[] } }>(
      'subscription($id: ID!) { jobUpdated(id: $id) { status events { type } } }',
      { id },
      operator,
    );
    await stack.waitFor(async () => updates.items.length >= 1, 10_000, 'the first push');
    await stack.waitFor(
      async () => {
        const r = await stack.gql<{ job: { events: unknown[] } }>(
          'query($id: ID!) { job(id: $id) { events { id } } }',
          { id },
          operator,
        );
        return (r.data?.job.events.length ?? 0) >= 1;
      },
      10_000,
      'QUEUED stored',
    );
    const { emitter, base } = emitting(id, name, Backend.BULLMQ);
    await emitter.emit([{ ...base, type: JobEventType.STARTED, attempt: 1 }]);
    await stack.waitFor(
      async () => updates.items.some((u) => u.jobUpdated.status === 'RUNNING'),
      10_000,
      'the RUNNING push',
    );
    // The store may apply STARTED just after the push: a later push (PROGRESS) must see it.
    await emitter.emit([{ ...base, type: JobEventType.PROGRESS, progress: 50 }]);
    await stack.waitFor(
      async () => updates.items.some((u) => u.jobUpdated.events.some((e) => e.type === 'STARTED')),
      10_000,
      'a push whose events include STARTED',
    );
    updates.dispose();
  });
});
