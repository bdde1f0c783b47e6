import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Queue } from 'bullmq';
import express from 'express';
import { Redis } from 'ioredis';
import { BoardSessions } from '../../src/server/board-sessions';
import { BULL_BOARD_COOKIE, bullBoardRoutes } from '../../src/server/bull-board';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

describe('bullBoardRoutes', () => {
  const prefix = `test-${randomUUID()}`;
  const name = `board-${randomUUID()}`;
  let redis: Redis;
  let queue: Queue;
  let server: Server;
  let base: string;
  // Keys as the KeyStore would resolve them.
  const roles: Record<string, string> = { 'admin-key': 'ADMIN', 'operator-key': 'OPERATOR' };

  beforeAll(async () => {
    redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
    queue = new Queue(name, { connection: redis, prefix });
    await queue.add('echo', { hello: 'board' });
    const app = express();
    app.use(
      bullBoardRoutes({
        queues: [queue],
        authenticate: async (k) => (roles[k] ? { role: roles[k] } : null),
        sessions: new BoardSessions(redis, `${prefix}:board-session:`),
      }),
    );
    server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
    await queue.obliterate({ force: true });
    await queue.close();
    redis.disconnect();
  });

  it('answers 401 without a key, saying how to pass one', async () => {
    const res = await fetch(`${base}/admin/queues`);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain('Bearer');
    const text = await res.text();
    expect(text).toContain("'Authorization: Bearer <key>'");
    expect(text).toContain('sign in to the dashboard at /ui');
  });

  it('answers 401 for an unknown key and 403 for a key that is not ADMIN', async () => {
    expect(
      (await fetch(`${base}/admin/queues`, { headers: { authorization: 'Bearer nope' } })).status,
    ).toBe(401);
    const res = await fetch(`${base}/admin/queues`, {
      headers: { authorization: 'Bearer operator-key' },
    });
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('needs the ADMIN role; this key is OPERATOR');
    // A key in the URL is no way in any more.
    expect((await fetch(`${base}/admin/queues?key=admin-key`, { redirect: 'manual' })).status).toBe(
      401,
    );
  });

  it('serves the board and its API to an ADMIN bearer key', async () => {
    const page = await fetch(`${base}/admin/queues`, {
      headers: { authorization: 'Bearer admin-key' },
    });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<base href="/admin/queues/" />');
    const api = await fetch(`${base}/admin/queues/api/queues`, {
      headers: { authorization: 'Bearer admin-key' },
    });
    expect(api.status).toBe(200);
    const body = (await api.json()) as {
      queues: { name: string; counts: Record<string, number> }[];
    };
    const mine = body.queues.find((q) => q.name === name);
    expect(mine?.counts.waiting).toBe(1);
  });

  it('opens an HttpOnly SameSite=Strict session for an ADMIN key sent in the header, and for no other', async () => {
    const session = (key?: string): Promise<Response> =>
      fetch(`${base}/admin/queues/session`, {
        method: 'POST',
        headers: key ? { authorization: `Bearer ${key}` } : {},
      });
    expect((await session()).status).toBe(401);
    const unknown = await session('nope');
    expect(unknown.status).toBe(401);
    expect(unknown.headers.get('set-cookie')).toBeNull();
    const operator = await session('operator-key');
    expect(operator.status).toBe(403);
    expect(operator.headers.get('set-cookie')).toBeNull();

    const admin = await session('admin-key');
    expect(admin.status).toBe(204);
    const setCookie = admin.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(new RegExp(`^${BULL_BOARD_COOKIE}=[A-Za-z0-9_-]{43};`));
    expect(setCookie).not.toContain('admin-key');
    expect(setCookie).toContain('HttpOnly');
    expect(setCookie).toContain('SameSite=Strict');
    expect(setCookie).toContain('Path=/admin/queues');
    const cookie = setCookie.split(';')[0];
    // Redis, which workers running users' code share, holds neither the key nor the cookie.
    const stored = await redis.keys(`${prefix}:board-session:*`);
    expect(stored.length).toBeGreaterThan(0);
    for (const k of stored) {
      expect(k).not.toContain(cookie.split('=')[1]);
      const v = (await redis.get(k)) ?? '';
      expect(v).not.toContain('admin-key');
      expect(v).not.toContain(cookie.split('=')[1]);
    }

    const page = await fetch(`${base}/admin/queues?status=failed`, { headers: { cookie } });
    expect(page.status).toBe(200);
    const api = await fetch(`${base}/admin/queues/api/queues`, { headers: { cookie } });
    expect(api.status).toBe(200);

    // Signing out ends the session on the server, not only in this browser.
    const out = await fetch(`${base}/admin/queues/session`, {
      method: 'DELETE',
      headers: { cookie },
    });
    expect(out.status).toBe(204);
    expect((await fetch(`${base}/admin/queues`, { headers: { cookie } })).status).toBe(401);
  });

  it('ends a session whose key has been revoked, and clears its cookie', async () => {
    const open = await fetch(`${base}/admin/queues/session`, {
      method: 'POST',
      headers: { authorization: 'Bearer admin-key' },
    });
    const cookie = (open.headers.get('set-cookie') ?? '').split(';')[0];
    delete roles['admin-key'];
    try {
      const res = await fetch(`${base}/admin/queues`, { headers: { cookie } });
      expect(res.status).toBe(401);
      expect(res.headers.get('set-cookie')).toMatch(
        new RegExp(`${BULL_BOARD_COOKIE}=;.*Expires=Thu, 01 Jan 1970`),
      );
    } finally {
      roles['admin-key'] = 'ADMIN';
    }
  });

  it('refuses a cookie that names no session', async () => {
    const res = await fetch(`${base}/admin/queues`, {
      headers: { cookie: `${BULL_BOARD_COOKIE}=made-up` },
    });
    expect(res.status).toBe(401);
  });
});
