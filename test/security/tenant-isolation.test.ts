import { buildSchema } from 'graphql';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { startTemporalStack } from '../helpers/temporal-stack';
import type { TemporalStack } from '../helpers/temporal-stack';

type Transport = 'http' | 'ws';
interface Answer {
  data: Record<string, unknown> | null | undefined;
  errors: { message: string; extensions?: { code?: string } }[];
}

/** What a request of another tenant may get back: nothing of the victim, ever. */
type Expect = 'null' | 'empty' | 'zero' | 'NOT_FOUND' | 'FORBIDDEN' | ((a: Answer) => void);

/**
 * Tenant `acme` owns jobs on both lanes; keys of tenant `globex` (OPERATOR and
 * VIEWER) try every query, mutation and subscription of the contract with
 * acme's ids, filters and cursors, over HTTP and over WebSocket.
 */
describe('tenant isolation matrix', () => {
  let stack: TemporalStack;
  const victim: {
    done: string;
    failed: string;
    running: string;
    waiting: string;
    secret: string;
    idem: string;
    eventIds: string[];
    keyId: string;
    schedule: string;
  } = {
    done: '',
    failed: '',
    running: '',
    waiting: '',
    secret: `acme-secret-${Date.now()}`,
    idem: `order-${Date.now()}`,
    eventIds: [],
    keyId: '',
    schedule: `acme-nightly-${Date.now()}`,
  };
  const keys = { acmeOperator: '', globexOperator: '', globexViewer: '' };
  const tried = new Set<string>();

  beforeAll(async () => {
    stack = await startTemporalStack();
    const created = await stack.gql<{ createApiKey: { id: string; secret: string } }>(
      'mutation { createApiKey(tenant: "acme", role: OPERATOR) { id secret } }',
    );
    keys.acmeOperator = created.data!.createApiKey.secret;
    victim.keyId = created.data!.createApiKey.id;
    keys.globexOperator = await stack.createKey('globex', 'OPERATOR');
    keys.globexViewer = await stack.createKey('globex', 'VIEWER');
    const a = keys.acmeOperator;
    victim.done = (
      await stack.submit(
        { type: 'echo', input: { note: victim.secret }, idempotencyKey: victim.idem },
        a,
      )
    ).id;
    victim.failed = (
      await stack.submit({ type: 'fail', input: { message: victim.secret }, maxAttempts: 1 }, a)
    ).id;
    victim.running = (await stack.submit({ type: 'sleep', input: { ms: 120_000 } }, a)).id;
    victim.waiting = (
      await stack.submit({ type: 'approval', input: { timeoutSeconds: 600 } }, a)
    ).id;
    await stack.waitForStatus(victim.done, ['SUCCEEDED'], 30_000, a);
    await stack.waitForStatus(victim.failed, ['FAILED'], 30_000, a);
    await stack.waitForStatus(victim.running, ['RUNNING'], 30_000, a);
    await stack.waitForStatus(victim.waiting, ['WAITING'], 30_000, a);
    // A schedule of acme's, paused so that it starts nothing during the suite.
    const sched = await stack.gql(
      'mutation($i: ScheduleInput!) { upsertSchedule(input: $i) { id } }',
      {
        i: {
          id: victim.schedule,
          type: 'echo',
          input: { note: victim.secret },
          everyMs: 3_600_000,
          paused: true,
        },
      },
      a,
    );
    expect(sched.errors).toBeUndefined();
    const ev = await stack.gql<{ events: { id: string }[] }>(
      '{ events(first: 1000) { id jobId } }',
      {},
      a,
    );
    victim.eventIds = ev.data!.events.map((e) => e.id);
    // Globex has jobs of its own (more come from the mutation cases), so the answers below are not
    // empty for lack of data: they hold globex's rows and never acme's.
    await stack.waitForStatus(
      (await stack.submit({ type: 'echo', input: 'globex-own' }, keys.globexOperator)).id,
      ['SUCCEEDED'],
      30_000,
      keys.globexOperator,
    );
  }, 120_000);
  afterAll(() => stack.close());

  /** Runs one operation over HTTP or over a graphql-ws connection. */
  async function run(
    transport: Transport,
    key: string,
    query: string,
    variables: Record<string, unknown> = {},
  ): Promise<Answer> {
    if (transport === 'http') {
      const r = await stack.gql(query, variables, key);
      return { data: r.data as Answer['data'], errors: (r.errors ?? []) as Answer['errors'] };
    }
    const client = createClient({
      url: stack.url.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${key}` },
      retryAttempts: 0,
      lazy: true,
    });
    try {
      return await new Promise<Answer>((resolve) => {
        let answer: Answer = { data: undefined, errors: [] };
        client.subscribe(
          { query, variables },
          {
            next: (v) => {
              answer = {
                data: v.data as Answer['data'],
                errors: [...answer.errors, ...((v.errors ?? []) as Answer['errors'])],
              };
            },
            error: (e) =>
              resolve({
                data: answer.data,
                errors: [
                  ...answer.errors,
                  ...(Array.isArray(e)
                    ? e
                    : [{ message: String((e as { reason?: string }).reason ?? e) }]),
                ],
              }),
            complete: () => resolve(answer),
          },
        );
      });
    } finally {
      await client.dispose();
    }
  }

  /** Nothing of acme in what globex got: no id, no event id, no secret. */
  function noVictimData(a: Answer): void {
    const text = JSON.stringify(a.data ?? null);
    for (const id of [
      victim.done,
      victim.failed,
      victim.running,
      victim.waiting,
      ...victim.eventIds,
      victim.secret,
      victim.schedule,
    ])
      expect(text).not.toContain(id);
  }

  function check(a: Answer, e: Expect, field: string): void {
    noVictimData(a);
    if (typeof e === 'function') return e(a);
    if (e === 'NOT_FOUND' || e === 'FORBIDDEN') {
      expect({ field, code: a.errors[0]?.extensions?.code }).toEqual({ field, code: e });
      expect(a.data?.[field] ?? null).toBeNull();
      return;
    }
    expect({ field, errors: a.errors }).toEqual({ field, errors: [] });
    if (e === 'null') expect(a.data?.[field]).toBeNull();
    if (e === 'empty') expect(a.data?.[field]).toEqual([]);
    if (e === 'zero') expect(a.data?.[field]).toBe(0);
  }

  const queries = (): [string, string, Record<string, unknown>, Expect][] => [
    ['job', 'query($id: ID!) { job(id: $id) { id input result } }', { id: victim.done }, 'null'],
    [
      'job',
      'query($id: ID!) { job(id: $id) { id events { id } } }',
      { id: victim.running },
      'null',
    ],
    [
      'job',
      'query($id: ID!) { job(id: $id) { id logs { id line } } }',
      { id: victim.running },
      'null',
    ],
    // Worker processes are the operator's view of the whole installation: ADMIN only.
    ['workers', '{ workers { id host jobTypes } }', {}, 'FORBIDDEN'],
    [
      'jobs',
      'query($f: JobFilter) { jobs(filter: $f, first: 500) { totalCount edges { node { id } } } }',
      { f: { ids: [victim.done, victim.failed, victim.running, victim.waiting] } },
      (a) => expect(a.data?.jobs).toEqual({ totalCount: 0, edges: [] }),
    ],
    [
      'jobs',
      'query($f: JobFilter) { jobs(filter: $f, first: 500) { totalCount edges { node { id } } } }',
      { f: { types: ['echo', 'fail', 'sleep', 'approval'], backends: ['BULLMQ', 'TEMPORAL'] } },
      (a) => expect((a.data?.jobs as { totalCount: number }).totalCount).toBeGreaterThanOrEqual(1),
    ],
    [
      'jobs',
      '{ jobs(first: 500) { totalCount edges { node { id input } } } }',
      {},
      (a) => expect((a.data?.jobs as { totalCount: number }).totalCount).toBeGreaterThanOrEqual(1),
    ],
    [
      'events',
      'query($f: JobEventFilter) { events(filter: $f, first: 1000) { id } }',
      { f: { jobId: victim.done } },
      'empty',
    ],
    [
      'events',
      'query($a: ID) { events(after: $a, first: 1000) { id jobId } }',
      { a: '0-0' },
      (a) => expect((a.data?.events as unknown[]).length).toBeGreaterThanOrEqual(3),
    ],
    [
      'events',
      'query($f: JobEventFilter) { events(filter: $f, first: 1000) { id jobId } }',
      { f: { queue: 'default', types: ['FAILED', 'COMPLETED', 'WAITING'] } },
      (a) => expect((a.data?.events as unknown[]).length).toBeGreaterThanOrEqual(1),
    ],
    [
      'workflowQuery',
      'query($id: ID!) { workflowQuery(jobId: $id, name: "state") }',
      { id: victim.waiting },
      // Queries read live workflow state, so a VIEWER is refused before the job is looked up.
      (a) => expect(a.errors[0]?.extensions?.code).toMatch(/^(NOT_FOUND|FORBIDDEN)$/),
    ],
    ['apiKeys', '{ apiKeys { id tenant } }', {}, 'FORBIDDEN'],
    [
      'auditLog',
      'query($f: AuditFilter) { auditLog(filter: $f) { id tenant targetIds } }',
      { f: { tenant: 'acme' } },
      'FORBIDDEN',
    ],
    [
      'me',
      '{ me { tenant role } }',
      {},
      (a) => expect((a.data?.me as { tenant: string }).tenant).toBe('globex'),
    ],
    ['jobTypes', '{ jobTypes { name } }', {}, (a) => expect(a.errors).toEqual([])],
    [
      'schedule',
      'query($id: ID!) { schedule(id: $id) { id input recentJobs { id } } }',
      { id: victim.schedule },
      'null',
    ],
    ['schedules', '{ schedules { id input } }', {}, (a) => expect(a.errors).toEqual([])],
    // A position on the bus read from Redis's clock: no event id of anyone's.
    [
      'eventCursor',
      '{ eventCursor }',
      {},
      (a) => expect(a.data?.eventCursor).toMatch(/^\d+-999999999$/),
    ],
    // Queue counts of a non-ADMIN key are its own tenant's jobs: acme's failed job is not
    // among them (globex's own jobs all succeed).
    [
      'queues',
      '{ queues { name waiting active failed } }',
      {},
      (a) => {
        expect(a.errors).toEqual([]);
        for (const q of a.data?.queues as { failed: number }[]) expect(q.failed).toBe(0);
      },
    ],
  ];

  const mutations = (): [string, string, Record<string, unknown>, Expect][] => [
    [
      'cancelJob',
      'mutation($id: ID!) { cancelJob(id: $id, reason: "mallory") { id status } }',
      { id: victim.running },
      'NOT_FOUND',
    ],
    [
      'terminateJob',
      'mutation($id: ID!) { terminateJob(id: $id, reason: "mallory") { id } }',
      { id: victim.waiting },
      'NOT_FOUND',
    ],
    [
      'retryJob',
      'mutation($id: ID!) { retryJob(id: $id) { id } }',
      { id: victim.failed },
      'NOT_FOUND',
    ],
    [
      'retryJobs',
      'mutation($f: JobFilter!) { retryJobs(filter: $f) }',
      { f: { ids: [victim.failed] } },
      'zero',
    ],
    ['retryJobs', 'mutation { retryJobs(filter: {}) }', {}, 'zero'],
    [
      'signalJob',
      'mutation($id: ID!) { signalJob(id: $id, signal: "approve", payload: { by: "mallory" }) { id } }',
      { id: victim.waiting },
      'NOT_FOUND',
    ],
    [
      'submitJob',
      'mutation($k: String) { submitJob(input: { type: "echo", idempotencyKey: $k }) { id input } }',
      { k: victim.idem },
      (a) => {
        // The same idempotency key in another tenant is another job, never acme's.
        expect(a.errors).toEqual([]);
        expect((a.data?.submitJob as { id: string }).id).not.toBe(victim.done);
      },
    ],
    [
      'submitJobs',
      'mutation($k: String) { submitJobs(inputs: [{ type: "echo", idempotencyKey: $k }]) { id } }',
      { k: victim.idem },
      (a) => expect(a.errors).toEqual([]),
    ],
    [
      'submitFlow',
      'mutation($k: String) { submitFlow(root: { job: { type: "echo", idempotencyKey: $k }, children: [{ job: { type: "echo" } }] }) { id children { id } } }',
      { k: victim.idem },
      (a) => {
        // A root key acme used is another flow in this tenant, never acme's job.
        expect(a.errors).toEqual([]);
        expect((a.data?.submitFlow as { id: string }).id).not.toBe(victim.done);
      },
    ],
    [
      'createApiKey',
      'mutation { createApiKey(tenant: "acme", role: ADMIN) { id secret } }',
      {},
      'FORBIDDEN',
    ],
    [
      'revokeApiKey',
      'mutation($id: ID!) { revokeApiKey(id: $id) }',
      { id: victim.keyId },
      'FORBIDDEN',
    ],
    [
      'upsertSchedule',
      'mutation($i: ScheduleInput!) { upsertSchedule(input: $i) { id } }',
      { i: { id: victim.schedule, type: 'echo', everyMs: 1000 } },
      'NOT_FOUND',
    ],
    [
      'pauseSchedule',
      'mutation($id: ID!) { pauseSchedule(id: $id, note: "mallory") { id } }',
      { id: victim.schedule },
      'NOT_FOUND',
    ],
    [
      'resumeSchedule',
      'mutation($id: ID!) { resumeSchedule(id: $id) { id } }',
      { id: victim.schedule },
      'NOT_FOUND',
    ],
    [
      'triggerSchedule',
      'mutation($id: ID!) { triggerSchedule(id: $id) { id } }',
      { id: victim.schedule },
      'NOT_FOUND',
    ],
    [
      'deleteSchedule',
      'mutation($id: ID!) { deleteSchedule(id: $id) }',
      { id: victim.schedule },
      'NOT_FOUND',
    ],
    ['pauseQueue', 'mutation { pauseQueue(name: "default") { name paused } }', {}, 'FORBIDDEN'],
    ['unregisterJobType', 'mutation { unregisterJobType(name: "echo") }', {}, 'FORBIDDEN'],
    ['resumeQueue', 'mutation { resumeQueue(name: "default") { name paused } }', {}, 'FORBIDDEN'],
  ];

  for (const transport of ['http', 'ws'] as const) {
    it(`answers every query of another tenant with null, empty or NOT_FOUND over ${transport}`, async () => {
      for (const key of [keys.globexOperator, keys.globexViewer]) {
        for (const [field, q, v, e] of queries()) {
          tried.add(`Query.${field}`);
          check(await run(transport, key, q, v), e, field);
        }
      }
    });

    it(`refuses every mutation on another tenant's jobs over ${transport}, and changes nothing`, async () => {
      for (const [field, q, v, e] of mutations()) {
        tried.add(`Mutation.${field}`);
        check(await run(transport, keys.globexOperator, q, v), e, field);
        // A VIEWER may not mutate at all.
        const viewer = await run(transport, keys.globexViewer, q, v);
        noVictimData(viewer);
        expect({ field, code: viewer.errors[0]?.extensions?.code ?? 'no error' }).toEqual({
          field,
          code: 'FORBIDDEN',
        });
      }
      const a = keys.acmeOperator;
      expect((await stack.job(victim.running, a))?.status).toBe('RUNNING');
      expect((await stack.job(victim.failed, a))?.status).toBe('FAILED');
      expect((await stack.job(victim.waiting, a))?.status).toBe('WAITING');
      expect((await stack.gql('{ me { tenant } }', {}, a)).data).toEqual({
        me: { tenant: 'acme' },
      });
      const paused = await stack.gql<{ queues: { name: string; paused: boolean }[] }>(
        '{ queues { name paused } }',
        {},
        a,
      );
      expect(paused.data!.queues.filter((q) => q.paused)).toEqual([]);
      // acme's schedule is still there, as acme left it: paused, hourly, no run started.
      const sched = await stack.gql<{
        schedule: { paused: boolean; everyMs: number; recentJobs: unknown[] } | null;
      }>(
        'query($id: ID!) { schedule(id: $id) { paused everyMs recentJobs { id } } }',
        { id: victim.schedule },
        a,
      );
      expect(sched.data?.schedule).toEqual({ paused: true, everyMs: 3_600_000, recentJobs: [] });
    });
  }

  it('pushes another tenant nothing over subscriptions: not by job id, not by replay, not live', async () => {
    const url = stack.url.replace(/^http/, 'ws');
    const watch = (
      query: string,
      variables: Record<string, unknown>,
      key: string,
    ): { items: unknown[]; errors: unknown[]; stop: () => Promise<void> } => {
      const client = createClient({
        url,
        webSocketImpl: WebSocket,
        connectionParams: { authorization: `Bearer ${key}` },
        retryAttempts: 0,
        lazy: true,
      });
      const items: unknown[] = [];
      const errors: unknown[] = [];
      client.subscribe(
        { query, variables },
        {
          next: (v) => (v.errors ? errors.push(...v.errors) : items.push(v.data)),
          error: (e) => errors.push(...(Array.isArray(e) ? e : [e])),
          complete: () => undefined,
        },
      );
      return { items, errors, stop: async () => client.dispose() };
    };
    tried.add('Subscription.jobEvents');
    tried.add('Subscription.jobUpdated');
    const EV =
      'subscription($a: ID, $f: JobEventFilter) { jobEvents(after: $a, filter: $f) { id jobId type message meta } }';
    const subs = [
      watch(EV, { f: { jobId: victim.running } }, keys.globexViewer),
      watch(EV, { a: '0-0' }, keys.globexViewer),
      watch(EV, { a: victim.eventIds[0], f: { jobId: victim.done } }, keys.globexOperator),
      watch(
        EV,
        { f: { types: ['CANCELLED', 'STARTED', 'COMPLETED', 'SIGNALED'] } },
        keys.globexOperator,
      ),
    ];
    const upd = watch(
      'subscription($id: ID!) { jobUpdated(id: $id) { id status input } }',
      { id: victim.running },
      keys.globexViewer,
    );
    await new Promise((r) => setTimeout(r, 500));
    // Acme's jobs move: a new run, a cancellation, an approval.
    const a = keys.acmeOperator;
    const fresh = await stack.submit({ type: 'echo', input: victim.secret }, a);
    await stack.gql(
      'mutation($id: ID!) { cancelJob(id: $id, reason: "acme stops it") { id } }',
      { id: victim.running },
      a,
    );
    await stack.gql(
      'mutation($id: ID!) { signalJob(id: $id, signal: "approve", payload: { by: "acme-boss" }) { id } }',
      { id: victim.waiting },
      a,
    );
    await stack.waitForStatus(fresh.id, ['SUCCEEDED'], 30_000, a);
    await stack.waitForStatus(victim.running, ['CANCELLED'], 30_000, a);
    await stack.waitForStatus(victim.waiting, ['SUCCEEDED'], 30_000, a);
    await new Promise((r) => setTimeout(r, 1000));
    const acmeIds = [fresh.id, victim.done, victim.failed, victim.running, victim.waiting];
    for (const s of subs) {
      const text = JSON.stringify(s.items);
      for (const id of [...acmeIds, victim.secret, 'acme-boss', 'acme stops it'])
        expect(text).not.toContain(id);
      expect(s.errors).toEqual([]);
    }
    // The replaying subscriber saw globex's own events, so it was live and replaying.
    expect(subs[1].items.length).toBeGreaterThanOrEqual(3);
    expect((upd.errors[0] as { extensions?: { code?: string } })?.extensions?.code).toBe(
      'NOT_FOUND',
    );
    expect(upd.items).toEqual([]);
    await Promise.all([...subs, upd].map((s) => s.stop()));
  }, 90_000);

  it("masks a job type's sensitive input for a VIEWER of the same tenant on every path", async () => {
    const viewer = await stack.createKey('acme', 'VIEWER');
    const token = `tok_${Date.now()}`;
    const job = await stack.submit(
      { type: 'charge', input: { amount: 5, cardToken: token } },
      keys.acmeOperator,
    );
    const upd = createClient({
      url: stack.url.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${viewer}` },
      retryAttempts: 0,
      lazy: true,
    });
    const pushed: unknown[] = [];
    upd.subscribe(
      {
        query: 'subscription($id: ID!) { jobUpdated(id: $id) { input status } }',
        variables: { id: job.id },
      },
      { next: (v) => pushed.push(v), error: () => undefined, complete: () => undefined },
    );
    await stack.waitForStatus(job.id, ['SUCCEEDED'], 30_000, keys.acmeOperator);
    await stack.waitFor(
      async () => pushed.some((p) => JSON.stringify(p).includes('SUCCEEDED')),
      10_000,
      'jobUpdated to push SUCCEEDED',
    );
    await upd.dispose();
    const answers = [
      await run(
        'http',
        viewer,
        'query($id: ID!) { job(id: $id) { input result events { meta message } } }',
        { id: job.id },
      ),
      await run('ws', viewer, 'query($id: ID!) { job(id: $id) { input } }', { id: job.id }),
      await run(
        'http',
        viewer,
        'query($f: JobFilter) { jobs(filter: $f) { edges { node { input } } } }',
        { f: { ids: [job.id] } },
      ),
      await run(
        'http',
        viewer,
        'query($f: JobEventFilter) { events(filter: $f) { meta message } }',
        { f: { jobId: job.id } },
      ),
    ];
    for (const a of [...answers.map((x) => x.data), ...pushed])
      expect(JSON.stringify(a)).not.toContain(token);
    expect((answers[0].data?.job as { input: unknown }).input).toEqual({
      amount: 5,
      cardToken: '***',
    });
    // The OPERATOR who submitted it sees it.
    expect(
      JSON.stringify(
        (
          await run('http', keys.acmeOperator, 'query($id: ID!) { job(id: $id) { input } }', {
            id: job.id,
          })
        ).data,
      ),
    ).toContain(token);
  });

  it('covers every root field of the contract', () => {
    const schema = buildSchema(
      readFileSync(join(__dirname, '..', '..', 'schema', 'schema.graphql'), 'utf8'),
    );
    const all = [
      schema.getQueryType(),
      schema.getMutationType(),
      schema.getSubscriptionType(),
    ].flatMap((t) => Object.keys(t!.getFields()).map((f) => `${t!.name}.${f}`));
    expect(all.filter((f) => !tried.has(f))).toEqual([]);
  });
});
