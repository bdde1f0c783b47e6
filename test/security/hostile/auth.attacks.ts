import { request } from 'node:http';
import { randomBytes } from 'node:crypto';
import { Client as PgClient } from 'pg';
import WebSocket from 'ws';
import { Role } from '../../../src/model/enums';
import type { Hostile } from './harness';

/**
 * Requests from 127.0.0.2: loopback too, but another client address than the rest of the
 * suite's, so the flood's address is the only one the per-address limit stops.
 */
const FLOOD_FROM = '127.0.0.2';

function post(
  url: string,
  key: string,
  body: string,
  localAddress = FLOOD_FROM,
): Promise<{ status: number; json: any }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        localAddress,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          let json: any = null;
          try {
            json = JSON.parse(text);
          } catch {
            // not JSON
          }
          resolve({ status: res.statusCode ?? 0, json });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const ME = JSON.stringify({ query: '{ me { tenant } }' });

/** Opens a graphql-ws connection from `localAddress`: 0 once acknowledged, else its close code. */
const open = (url: string, key: string, localAddress: string): Promise<number> =>
  new Promise((resolve) => {
    const ws = new WebSocket(url.replace(/^http/, 'ws'), 'graphql-transport-ws', { localAddress });
    ws.on('open', () =>
      ws.send(
        JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${key}` } }),
      ),
    );
    ws.on('message', (d) => {
      if (JSON.parse(d.toString()).type === 'connection_ack') {
        ws.close(1000);
        resolve(0);
      }
    });
    ws.on('close', (code) => resolve(code));
  });

/** Unauthenticated floods: bounded look-ups per client address, valid keys unharmed. */
export function attacks(h: Hostile): void {
  describe('unauthenticated floods', () => {
    it('answers 2,000 made-up keys from one address with at most 30 key look-ups, then RATE_LIMITED, while a cached valid key from that address still works', async () => {
      // The attacker's own valid key, used once from the flooding address so the store holds it.
      expect((await post(h.stack.url, h.attacker.viewer, ME)).json?.data?.me?.tenant).toBe(
        h.attackerTenant,
      );
      const keys = h.stack.app.services.keys;
      const before = keys.lookups;
      const statuses: Record<string, number> = {};
      const t0 = performance.now();
      for (let round = 0; round < 100; round++) {
        const answers = await Promise.all(
          Array.from({ length: 20 }, () =>
            post(h.stack.url, `jg_${randomBytes(32).toString('base64url')}`, ME),
          ),
        );
        for (const a of answers) {
          const k = `${a.status} ${a.json?.errors?.[0]?.extensions?.code}`;
          statuses[k] = (statuses[k] ?? 0) + 1;
        }
      }
      const ms = performance.now() - t0;
      const lookups = keys.lookups - before;
      console.log(
        `flood: 2000 made-up keys in ${ms.toFixed(0)} ms, ${lookups} key look-ups, answers ${JSON.stringify(statuses)}`,
      );
      // The suite's bystander may look up a key or two meanwhile.
      expect(lookups).toBeLessThanOrEqual(32);
      expect(statuses['429 RATE_LIMITED']).toBeGreaterThanOrEqual(1960);
      expect(Object.keys(statuses).sort()).toEqual(['401 UNAUTHENTICATED', '429 RATE_LIMITED']);
      // The valid key the store already holds passes from the flooding address...
      expect((await post(h.stack.url, h.attacker.viewer, ME)).json?.data?.me?.tenant).toBe(
        h.attackerTenant,
      );
      // ...and every other address is untouched.
      const other = await post(
        h.stack.url,
        `jg_${randomBytes(32).toString('base64url')}`,
        ME,
        '127.0.0.1',
      );
      expect(other.status).toBe(401);
    });

    it('closes a WebSocket from the flooding address with 4429, and one with a valid key from another address opens', async () => {
      expect(
        await open(h.stack.url, `jg_${randomBytes(32).toString('base64url')}`, FLOOD_FROM),
      ).toBe(4429);
      expect(await open(h.stack.url, h.attacker.operator, '127.0.0.1')).toBe(0);
    });

    it('lets a burst of 200 valid keys not yet cached in from one address at once, 100 over HTTP and 100 over WebSocket (they are paced, never refused)', async () => {
      // Many clients behind one address (a NAT, a fleet starting): more look-ups at once than
      // the failure budget of 30, none of them a failure.
      const burst = '127.0.0.3';
      // Created in the store directly (the admin tenant's own rate limit is not under test).
      const keys: string[] = [];
      for (let i = 0; i < 200; i++)
        keys.push(
          (
            await h.stack.app.services.keys.create(
              `burst-${i % 8}`,
              i % 2 ? Role.VIEWER : Role.OPERATOR,
            )
          ).secret,
        );
      // A slow Postgres: look-ups wait on a lock for 1 s, so the whole burst is in flight at once.
      const pg = new PgClient({ connectionString: h.stack.config.DATABASE_URL });
      await pg.connect();
      await pg.query('BEGIN');
      await pg.query('LOCK TABLE api_keys IN ACCESS EXCLUSIVE MODE');
      setTimeout(() => void pg.query('COMMIT').finally(() => pg.end()), 1000);
      const [http, ws] = await Promise.all([
        Promise.all(keys.slice(0, 100).map((k) => post(h.stack.url, k, ME, burst))),
        Promise.all(keys.slice(100).map((k) => open(h.stack.url, k, burst))),
      ]);
      expect(http.map((r) => r.status)).toEqual(Array(100).fill(200));
      expect(http.map((r) => r.json?.data?.me?.tenant)).toEqual(
        keys.slice(0, 100).map((_, i) => `burst-${i % 8}`),
      );
      expect(ws).toEqual(Array(100).fill(0));
      // Made-up keys from that address are still limited after 30 failures.
      const made = await Promise.all(
        Array.from({ length: 40 }, () =>
          post(h.stack.url, `jg_${randomBytes(32).toString('base64url')}`, ME, burst),
        ),
      );
      const codes = made.map((r) => r.status);
      expect(codes.filter((c) => c === 401)).toHaveLength(30);
      expect(codes.filter((c) => c === 429)).toHaveLength(10);
    });
  });
}
