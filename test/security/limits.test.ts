import type { ChildProcess } from 'node:child_process';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { loadConfig } from '../../src/config';
import { exited, startStack } from '../helpers/stack';
import type { GqlResult, Stack } from '../helpers/stack';
import { freePort } from '../helpers/temporal-server';

const LIMITS = {
  MAX_BODY_BYTES: '4096',
  MAX_BATCH_SIZE: '5',
  MAX_INPUT_BYTES: '200',
  MAX_QUERY_DEPTH: '4',
  MAX_ALIASES: '3',
  MAX_QUERY_COST: '1000',
  RATE_LIMIT_PER_SECOND: '20',
  MAX_SUBSCRIPTIONS_PER_CONNECTION: '2',
  MAX_SUBSCRIPTIONS_PER_KEY: '3',
  WS_INIT_TIMEOUT_MS: '400',
};

const code = (r: GqlResult): string | undefined => r.errors?.[0]?.extensions?.code;

/** Each limit of issue 6, set low, answered with a clear error code. */
describe('abuse limits', () => {
  let stack: Stack;
  let op: string;
  beforeAll(async () => {
    stack = await startStack({ bullmqWorker: false, env: LIMITS });
    op = await stack.createKey('limits', 'OPERATOR');
  });
  afterAll(() => stack.close());

  const post = async (
    body: string,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; body: GqlResult; headers: Headers }> => {
    const res = await fetch(stack.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${op}`, ...headers },
      body,
    });
    return { status: res.status, body: (await res.json()) as GqlResult, headers: res.headers };
  };

  it('answers a body over MAX_BODY_BYTES with 413 and a message', async () => {
    const r = await post(
      JSON.stringify({ query: '{ me { tenant } }', variables: { pad: 'x'.repeat(5000) } }),
    );
    expect(r.status).toBe(413);
    expect(r.body.errors?.[0]).toMatchObject({
      message: expect.stringContaining('4096 bytes'),
      extensions: { code: 'BAD_USER_INPUT' },
    });
    expect((await post(JSON.stringify({ query: '{ me { tenant } }' }))).status).toBe(200);
  });

  it('refuses a submitJobs batch over MAX_BATCH_SIZE as a whole', async () => {
    const q = 'mutation($i: [SubmitJobInput!]!) { submitJobs(inputs: $i) { id } }';
    const over = await stack.gql(q, { i: Array.from({ length: 6 }, () => ({ type: 'echo' })) }, op);
    expect(code(over)).toBe('BAD_USER_INPUT');
    expect(over.errors?.[0].message).toContain('limit is 5');
    const before = Number(
      (await stack.app.ds.query(`SELECT count(*) AS n FROM jobs WHERE tenant = 'limits'`))[0].n,
    );
    expect(before).toBe(0);
    const ok = await stack.gql<{ submitJobs: unknown[] }>(
      q,
      { i: Array.from({ length: 5 }, () => ({ type: 'echo' })) },
      op,
    );
    expect(ok.data?.submitJobs).toHaveLength(5);
  });

  it('refuses a job input over MAX_INPUT_BYTES', async () => {
    const q = 'mutation($i: SubmitJobInput!) { submitJob(input: $i) { id } }';
    const over = await stack.gql(q, { i: { type: 'echo', input: { s: 'x'.repeat(300) } } }, op);
    expect(code(over)).toBe('BAD_USER_INPUT');
    expect(over.errors?.[0].message).toContain('the limit is 200');
    expect(
      code(await stack.gql(q, { i: { type: 'echo', input: { s: 'x'.repeat(100) } } }, op)),
    ).toBeUndefined();
  });

  it('refuses an operation deeper than MAX_QUERY_DEPTH, over HTTP and WebSocket', async () => {
    const deep = '{ jobs { edges { node { events { id } } } } }';
    const r = await post(JSON.stringify({ query: deep }));
    expect(r.status).toBe(400);
    expect(r.body.errors?.[0]).toMatchObject({
      message: expect.stringContaining('depth'),
      extensions: { code: 'BAD_USER_INPUT' },
    });
    expect(
      (await post(JSON.stringify({ query: '{ jobs { edges { node { id } } } }' }))).status,
    ).toBe(200);
    // graphql-ws carries queries too: the same rules apply to them.
    const sub = stack.subscribe(deep, {}, op);
    await sub.done;
    // graphql-ws hands a refused operation's errors over as one array.
    expect((sub.errors.flat()[0] as { extensions?: { code?: string } }).extensions?.code).toBe(
      'BAD_USER_INPUT',
    );
  });

  it('refuses text nested thousands of levels deep before parsing it, over HTTP and WebSocket, and stays up', async () => {
    // 200 levels: over the parser guard (128 here), in a body under MAX_BODY_BYTES.
    const nested = `{ ${'a { '.repeat(200)}b${' }'.repeat(200)} }`;
    for (const body of [JSON.stringify({ query: nested }), JSON.stringify([{ query: nested }])]) {
      const r = await post(body);
      expect(r.status).toBe(400);
      expect(r.body.errors?.[0]).toMatchObject({
        message: expect.stringContaining('nests'),
        extensions: { code: 'BAD_USER_INPUT' },
      });
    }
    const get = await fetch(`${stack.url}?query=${encodeURIComponent(nested)}`, {
      headers: { authorization: `Bearer ${op}`, 'apollo-require-preflight': 'true' },
    });
    expect(get.status).toBe(400);
    const sub = stack.subscribe(`subscription ${nested}`, {}, op);
    await sub.done;
    expect(sub.errors.flat()[0]).toMatchObject({
      message: expect.stringContaining('nests'),
      extensions: { code: 'BAD_USER_INPUT' },
    });
    expect((await post(JSON.stringify({ query: '{ me { tenant } }' }))).status).toBe(200);
  });

  it('refuses more than MAX_ALIASES aliases', async () => {
    const r = await post(
      JSON.stringify({
        query: '{ a: me { tenant } b: me { tenant } c: me { tenant } d: me { tenant } }',
      }),
    );
    expect(r.status).toBe(400);
    expect(r.body.errors?.[0]).toMatchObject({
      message: expect.stringContaining('Aliases'),
      extensions: { code: 'BAD_USER_INPUT' },
    });
    expect(
      (
        await post(
          JSON.stringify({ query: '{ a: me { tenant } b: me { tenant } c: me { tenant } }' }),
        )
      ).status,
    ).toBe(200);
  });

  it('refuses an operation costlier than MAX_QUERY_COST', async () => {
    const job =
      'id type backend routingReason queue status priority progress attempts maxAttempts input result error idempotencyKey createdAt startedAt finishedAt';
    const event =
      'id jobId jobType type source queue workflowId activityId attempt progress message meta timestamp';
    const wide = `{ jobs { totalCount pageInfo { endCursor hasNextPage } edges { cursor node { ${job} } } } events { ${event} } queues { name backend paused waiting active delayed completed failed } jobTypes { name description defaultBackend queue maxAttempts inputSchema signals queries workflowOnly } }`;
    const r = await post(JSON.stringify({ query: wide }));
    expect(r.status).toBe(400);
    expect(r.body.errors?.[0]).toMatchObject({
      message: expect.stringContaining('Cost'),
      extensions: { code: 'BAD_USER_INPUT' },
    });
    expect(
      (await post(JSON.stringify({ query: '{ jobs { edges { node { id status } } } }' }))).status,
    ).toBe(200);
  });

  it('weighs list fields by how many items they may return', async () => {
    // The same few fields, for 1 job or for 500 jobs and 1000 events: the list sizes must count.
    const sized = (n: number, m: number): string =>
      `{ jobs(first: ${n}) { edges { node { id status } } } events(first: ${m}) { id type } }`;
    const r = await post(JSON.stringify({ query: sized(500, 1000) }));
    expect({ status: r.status, code: r.body.errors?.[0]?.extensions?.code }).toEqual({
      status: 400,
      code: 'BAD_USER_INPUT',
    });
    expect((await post(JSON.stringify({ query: sized(1, 1) }))).status).toBe(200);
  });

  it('limits subscriptions per connection and per key with RATE_LIMITED', async () => {
    const key = await stack.createKey('limits-subs', 'VIEWER');
    const client = createClient({
      url: stack.url.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${key}` },
      retryAttempts: 0,
      lazy: true,
    });
    const other = createClient({
      url: stack.url.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${key}` },
      retryAttempts: 0,
      lazy: true,
    });
    const open = (c: typeof client): Promise<string> =>
      new Promise((resolve) => {
        c.subscribe(
          { query: 'subscription { jobEvents { id } }' },
          {
            next: () => undefined,
            error: (e) =>
              resolve((e as { extensions?: { code?: string } }[])[0]?.extensions?.code ?? 'closed'),
            complete: () => resolve('complete'),
          },
        );
        setTimeout(() => resolve('open'), 500);
      });
    try {
      expect(await open(client)).toBe('open');
      expect(await open(client)).toBe('open');
      expect(await open(client)).toBe('RATE_LIMITED');
      expect(await open(other)).toBe('open');
      expect(await open(other)).toBe('RATE_LIMITED');
    } finally {
      await client.dispose();
      await other.dispose();
    }
    // Closed subscriptions are given back at once, though their filters match nothing more.
    await stack.waitFor(
      async () => stack.app.gateway?.openSubscriptions === 0,
      3000,
      'the closed subscriptions to be released',
    );
    const again = createClient({
      url: stack.url.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${key}` },
      retryAttempts: 0,
      lazy: true,
    });
    expect(await open(again)).toBe('open');
    await again.dispose();
  });

  it('releases the slot and the listener of a subscription whose client vanished, though its filter matches nothing more', async () => {
    const r = await stack.gql<{ submitJob: { id: string } }>(
      'mutation { submitJob(input: { type: "echo" }) { id } }',
      {},
      op,
    );
    const id = r.data!.submitJob.id;
    await stack.gql('mutation($id: ID!) { cancelJob(id: $id) { id } }', { id }, op);
    // The hub's listener count is internal; read it to prove nothing is left behind.
    const listeners = (): number =>
      (stack.app.services.feed as unknown as { hub: { size: number } }).hub.size;
    const before = listeners();
    const client = createClient({
      url: stack.url.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${op}` },
      retryAttempts: 0,
      lazy: true,
    });
    client.subscribe(
      { query: 'subscription($id: ID!) { jobUpdated(id: $id) { status } }', variables: { id } },
      { next: () => undefined, error: () => undefined, complete: () => undefined },
    );
    client.subscribe(
      {
        query: 'subscription($id: ID!) { jobEvents(filter: { jobId: $id }, after: "0-0") { id } }',
        variables: { id },
      },
      { next: () => undefined, error: () => undefined, complete: () => undefined },
    );
    await stack.waitFor(
      async () => stack.app.gateway?.openSubscriptions === 2,
      3000,
      'both subscriptions to open',
    );
    expect(listeners()).toBe(before + 2);
    // The connection goes away without completing its subscriptions (a closed tab, a lost network).
    await client.dispose();
    // No event of this job will come again: the release must not wait for one.
    await stack.waitFor(
      async () => stack.app.gateway?.openSubscriptions === 0 && listeners() === before,
      3000,
      'the slots and listeners to be released',
    );
  });

  it('closes a WebSocket that sends no connection_init within WS_INIT_TIMEOUT_MS (4408)', async () => {
    const started = Date.now();
    const ws = new WebSocket(stack.url.replace(/^http/, 'ws'), 'graphql-transport-ws');
    const closed = await new Promise<number>((r) => ws.on('close', (c) => r(c)));
    expect(closed).toBe(4408);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('refuses simple cross-site requests (CSRF prevention) and lets real clients through', async () => {
    const form = await fetch(stack.url, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', authorization: `Bearer ${op}` },
      body: JSON.stringify({ query: '{ me { tenant } }' }),
    });
    expect(form.status).toBe(400);
    const get = `${stack.url}?query=${encodeURIComponent('{ me { tenant } }')}`;
    const plainGet = await fetch(get, { headers: { authorization: `Bearer ${op}` } });
    expect(plainGet.status).toBe(400);
    expect(((await plainGet.json()) as GqlResult).errors?.[0].message).toContain(
      'Cross-Site Request Forgery',
    );
    const preflighted = await fetch(get, {
      headers: { authorization: `Bearer ${op}`, 'apollo-require-preflight': 'true' },
    });
    expect(preflighted.status).toBe(200);
  });

  describe('per-tenant rate limit', () => {
    let second: ChildProcess;
    let secondUrl: string;
    beforeAll(async () => {
      const port = await freePort();
      second = stack.spawn(['gateway'], { PORT: String(port) });
      secondUrl = `http://127.0.0.1:${port}/graphql`;
      await stack.waitFor(
        async () => (await fetch(secondUrl.replace('/graphql', '/readyz')).catch(() => null))?.ok,
        30_000,
        'the second gateway',
      );
    });
    afterAll(async () => {
      second.kill('SIGTERM');
      await exited(second);
    });

    it('answers RATE_LIMITED with HTTP 429, Retry-After and retryAfterSeconds, counted per tenant across gateways', async () => {
      const a = await stack.createKey('rl-a', 'VIEWER');
      const b = await stack.createKey('rl-b', 'VIEWER');
      const call = async (
        url: string,
        key: string,
      ): Promise<{ status: number; retryAfter: string | null; body: GqlResult }> => {
        const res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
          body: JSON.stringify({ query: '{ me { tenant } }' }),
        });
        return {
          status: res.status,
          retryAfter: res.headers.get('retry-after'),
          body: (await res.json()) as GqlResult,
        };
      };
      // 40 requests of tenant rl-a in one burst, half through each gateway: about 20 pass in total, not 40.
      const burst = await Promise.all(
        Array.from({ length: 40 }, (_, i) => call(i % 2 ? secondUrl : stack.url, a)),
      );
      const passed = burst.filter((r) => r.status === 200).length;
      const limited = burst.filter((r) => r.status === 429);
      expect(passed).toBeGreaterThanOrEqual(15);
      expect(passed).toBeLessThanOrEqual(25);
      expect(limited.length).toBe(40 - passed);
      expect(Number(limited[0].retryAfter)).toBeGreaterThanOrEqual(1);
      expect(limited[0].body.errors?.[0]).toMatchObject({
        extensions: { code: 'RATE_LIMITED', retryAfterSeconds: expect.any(Number) },
      });
      // Another tenant is not slowed down by rl-a.
      expect((await call(stack.url, b)).status).toBe(200);
      // After the advertised wait, rl-a gets through again.
      await new Promise((r) => setTimeout(r, Number(limited[0].retryAfter) * 1000 + 100));
      expect((await call(secondUrl, a)).status).toBe(200);
    });
  });
});

describe('introspection', () => {
  it('is off in production unless GRAPHQL_INTROSPECTION says otherwise', () => {
    expect(loadConfig({ NODE_ENV: 'production' }).GRAPHQL_INTROSPECTION).toBe(false);
    expect(
      loadConfig({ NODE_ENV: 'production', GRAPHQL_INTROSPECTION: 'true' }).GRAPHQL_INTROSPECTION,
    ).toBe(true);
    expect(loadConfig({ NODE_ENV: 'development' }).GRAPHQL_INTROSPECTION).toBe(true);
  });

  it('refuses __schema and __type queries when switched off, over HTTP and WebSocket', async () => {
    const stack = await startStack({
      bullmqWorker: false,
      env: { GRAPHQL_INTROSPECTION: 'false' },
    });
    try {
      for (const q of [
        '{ __schema { types { name } } }',
        '{ __type(name: "Job") { fields { name } } }',
      ]) {
        const r = await stack.gql(q);
        expect(r.status).toBe(400);
        expect(code(r)).toBe('BAD_USER_INPUT');
      }
      expect((await stack.gql('{ __typename me { tenant } }')).status).toBe(200);
      const ws = stack.subscribe(
        'subscription { jobEvents { id __type(name: "Job") { name } } }',
        {},
      );
      await ws.done;
      expect(ws.errors.length).toBeGreaterThan(0);
    } finally {
      await stack.close();
    }
  });
});
