import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { startApp } from '../../src/compose/app';
import type { App } from '../../src/compose/app';
import { loadConfig } from '../../src/config';
import { startStack } from '../helpers/stack';
import type { Stack } from '../helpers/stack';

const TOKEN = `metrics-${'t'.repeat(24)}`;

/** A port nothing listens on right now. */
const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
    s.once('error', reject);
  });

/** Status and body of GET `url` with `authorization` (none when undefined). */
async function scrape(url: string, authorization?: string): Promise<[number, string]> {
  const res = await fetch(url, { headers: authorization ? { authorization } : {} });
  return [res.status, await res.text()];
}

describe('METRICS_TOKEN', () => {
  let stack: Stack;
  let worker: App | undefined;
  let workerUrl: string;

  beforeAll(async () => {
    stack = await startStack({ env: { METRICS_TOKEN: TOKEN } });
    const port = await freePort();
    workerUrl = `http://127.0.0.1:${port}/metrics`;
    // A process without a gateway serves /metrics on METRICS_PORT, under the same token.
    worker = await startApp({ ...stack.config, METRICS_PORT: port }, pino({ level: 'warn' }), {
      gateway: false,
      aggregator: false,
      migrate: false,
    });
  });
  afterAll(async () => {
    await worker?.close();
    await stack?.close();
  });

  it.each([
    ['no header', undefined],
    ['another token', `Bearer ${'x'.repeat(32)}`],
    ['the token without Bearer', TOKEN],
    ['an API key', () => `Bearer ${stack.adminKey}`],
  ])(
    'answers a scrape with %s with 401 and no metrics, on the gateway and on METRICS_PORT',
    async (_what, auth) => {
      const header = typeof auth === 'function' ? auth() : auth;
      for (const url of [`${stack.app.url}/metrics`, workerUrl]) {
        const [status, body] = await scrape(url, header);
        expect({ url, status }).toEqual({ url, status: 401 });
        expect(body).not.toContain('jobgate_');
        expect(body).toContain('Authorization: Bearer');
      }
    },
  );

  it('serves the metrics to a scrape with Authorization: Bearer <METRICS_TOKEN>', async () => {
    for (const url of [`${stack.app.url}/metrics`, workerUrl]) {
      const [status, body] = await scrape(url, `Bearer ${TOKEN}`);
      expect({ url, status }).toEqual({ url, status: 200 });
      expect(body).toContain('# TYPE jobgate_jobs_submitted_total counter');
    }
  });

  it('refuses a METRICS_TOKEN shorter than 16 characters at boot, naming it', () => {
    expect(() => loadConfig({ METRICS_TOKEN: 'short' })).toThrow(
      /METRICS_TOKEN: must be at least 16 characters/,
    );
  });
});
