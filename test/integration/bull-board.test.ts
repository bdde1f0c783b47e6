import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Queue } from 'bullmq';
import express from 'express';
import { Redis } from 'ioredis';
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
    expect(text).toContain('/admin/queues?key=<key>');
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
    expect(
      (await fetch(`${base}/admin/queues?key=operator-key`, { redirect: 'manual' })).status,
    ).toBe(403);
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

  it('turns ?key= into an httpOnly SameSite=Strict cookie and drops the key from the URL', async () => {
    const first = await fetch(`${base}/admin/queues?key=admin-key&status=failed`, {
      redirect: 'manual',
    });
    expect(first.status).toBe(303);
    expect(first.headers.get('location')).toBe('/admin/queues?status=failed');
    const setCookie = first.headers.get('set-cookie') ?? '';
    expect(setCookie).toContain(`${BULL_BOARD_COOKIE}=admin-key`);
    expect(setCookie).toContain('HttpOnly');
    expect(setCookie).toContain('SameSite=Strict');
    expect(setCookie).toContain('Path=/admin/queues');
    const cookie = setCookie.split(';')[0];

    const next = await fetch(`${base}/admin/queues?status=failed`, { headers: { cookie } });
    expect(next.status).toBe(200);
    const api = await fetch(`${base}/admin/queues/api/queues`, { headers: { cookie } });
    expect(api.status).toBe(200);
  });

  it('clears a cookie whose key has been revoked', async () => {
    const res = await fetch(`${base}/admin/queues`, {
      headers: { cookie: `${BULL_BOARD_COOKIE}=revoked-key` },
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('set-cookie')).toMatch(
      new RegExp(`${BULL_BOARD_COOKIE}=;.*Expires=Thu, 01 Jan 1970`),
    );
  });
});
