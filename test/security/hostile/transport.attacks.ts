import WebSocket from 'ws';
import type { Hostile } from './harness';

/** A graphql-transport-ws connection driven by hand, to see every message and the close code. */
interface RawWs {
  socket: WebSocket;
  messages: Array<{ id?: string; type: string; payload?: any }>;
  closed: Promise<{ code: number; reason: string }>;
  send(msg: unknown): void;
  /** The first message for operation `id` that ends it (error or complete), or its next. */
  answer(id: string, ms?: number): Promise<{ type: string; payload?: any }>;
}

async function connect(h: Hostile, key: string): Promise<RawWs> {
  const socket = new WebSocket(h.stack.url.replace(/^http/, 'ws'), 'graphql-transport-ws');
  const messages: RawWs['messages'] = [];
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  socket.on('message', (d) => messages.push(JSON.parse(d.toString())));
  await new Promise((r, j) => {
    socket.once('open', r);
    socket.once('error', j);
  });
  const ws: RawWs = {
    socket,
    messages,
    closed,
    send: (msg) => socket.send(JSON.stringify(msg)),
    answer: async (id, ms = 10_000) => {
      const until = Date.now() + ms;
      for (;;) {
        const m = messages.find((x) => x.id === id && x.type !== 'complete');
        if (m) return m;
        if (Date.now() > until || socket.readyState === WebSocket.CLOSED) {
          throw new Error(`no answer for ${id}: ${JSON.stringify(messages)}`);
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    },
  };
  ws.send({ type: 'connection_init', payload: { authorization: `Bearer ${key}` } });
  for (const until = Date.now() + 5000; !messages.some((m) => m.type === 'connection_ack');) {
    if (Date.now() > until) throw new Error(`no connection_ack: ${JSON.stringify(messages)}`);
    await new Promise((r) => setTimeout(r, 10));
  }
  return ws;
}

const createKey = async (h: Hostile, role: string): Promise<{ id: string; secret: string }> => {
  const r = await h.stack.gql<{ createApiKey: { id: string; secret: string } }>(
    'mutation($t: String!, $r: Role!) { createApiKey(tenant: $t, role: $r) { id secret } }',
    { t: h.attackerTenant, r: role },
  );
  if (!r.data) throw new Error(JSON.stringify(r.errors));
  return r.data.createApiKey;
};

/** The WebSocket side keeps the HTTP side's rules: body limit, cost, input depth, revocation. */
export function attacks(h: Hostile): void {
  describe('WebSocket holds the HTTP rules', () => {
    it('closes a socket whose message is larger than MAX_BODY_BYTES (1009), and the gateway stays up', async () => {
      const ws = await connect(h, h.attacker.viewer);
      const big = 'x'.repeat(h.stack.config.MAX_BODY_BYTES + 1024);
      ws.send({ id: '1', type: 'subscribe', payload: { query: `{ me { tenant } } # ${big}` } });
      const closed = await ws.closed;
      expect(closed.code).toBe(1009);
      const me = await h.stack.gql('{ me { tenant } }', undefined, h.attacker.viewer);
      expect(me.data?.me?.tenant).toBe(h.attackerTenant);
    });

    it('refuses 30 aliases of jobs(first: $n) with events and logs over WebSocket and HTTP, with BAD_USER_INPUT', async () => {
      const aliases = Array.from(
        { length: 30 },
        (_, i) => `a${i}: jobs(first: $n) { edges { node { events { id } logs { id } } } }`,
      ).join(' ');
      const query = `query($n: Int) { ${aliases} }`;
      const ws = await connect(h, h.attacker.viewer);
      ws.send({ id: 'c', type: 'subscribe', payload: { query, variables: { n: 500 } } });
      const a = await ws.answer('c');
      expect(a.type).toBe('error');
      expect(a.payload[0].extensions.code).toBe('BAD_USER_INPUT');
      expect(a.payload[0].message).toMatch(/Cost limit/);
      const http = await h.stack.gql(query, { n: 500 }, h.attacker.viewer);
      expect(http.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      ws.socket.close();
    });

    it('refuses input nested 200,000 levels deep with BAD_USER_INPUT on both transports', async () => {
      // JSON text, so no recursive JSON.stringify runs in the test either; 400 kB.
      const deep = '['.repeat(200_000) + '1' + ']'.repeat(200_000);
      const query = 'mutation($i: SubmitJobInput!) { submitJob(input: $i) { id } }';
      const text = `{"query":${JSON.stringify(query)},"variables":{"i":{"type":"echo","input":${deep}}}}`;
      const res = await fetch(h.stack.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${h.attacker.operator}`,
        },
        body: text,
      });
      const body = (await res.json()) as any;
      expect(body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(body.errors?.[0]?.message).toMatch(/MAX_INPUT_DEPTH/);
      const ws = await connect(h, h.attacker.operator);
      ws.socket.send(`{"id":"d","type":"subscribe","payload":${text}}`);
      const a = await ws.answer('d');
      expect(a.type).toBe('error');
      expect(a.payload[0].extensions.code).toBe('BAD_USER_INPUT');
      ws.socket.close();
    });

    it('checks the key of every operation: once revoked, its sockets close (4403) and their subscriptions end', async () => {
      const key = await createKey(h, 'ADMIN');
      const ws = await connect(h, key.secret);
      ws.send({
        id: 's',
        type: 'subscribe',
        payload: { query: 'subscription { jobEvents { id } }' },
      });
      ws.send({ id: 'q', type: 'subscribe', payload: { query: '{ me { tenant } }' } });
      expect((await ws.answer('q')).payload.data.me.tenant).toBe(h.attackerTenant);
      const revoked = await h.stack.gql('mutation($id: ID!) { revokeApiKey(id: $id) }', {
        id: key.id,
      });
      expect(revoked.data?.revokeApiKey).toBe(true);
      const t0 = Date.now();
      // The next operation on the open socket is refused at once (the revoking gateway forgets the key)...
      ws.send({
        id: 'k',
        type: 'subscribe',
        payload: { query: 'mutation { createApiKey(tenant: "x", role: ADMIN) { secret } }' },
      });
      const refused = await ws.answer('k');
      expect(refused.type).toBe('error');
      expect(refused.payload[0].extensions.code).toBe('UNAUTHENTICATED');
      // ...and the socket, with its subscription, is closed.
      const closed = await ws.closed;
      expect(closed.code).toBe(4403);
      expect(Date.now() - t0).toBeLessThan(10_000);
    });

    it('closes an idle socket of a revoked key within the revocation window, with no operation sent', async () => {
      const key = await createKey(h, 'VIEWER');
      const ws = await connect(h, key.secret);
      ws.send({
        id: 's',
        type: 'subscribe',
        payload: { query: 'subscription { jobEvents { id } }' },
      });
      await new Promise((r) => setTimeout(r, 200));
      await h.stack.gql('mutation($id: ID!) { revokeApiKey(id: $id) }', { id: key.id });
      const t0 = Date.now();
      const closed = await ws.closed;
      expect(closed.code).toBe(4403);
      // The key cache (5 s) and the check (every 5 s).
      expect(Date.now() - t0).toBeLessThan(11_000);
    }, 20_000);
  });
}
