import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { dashboardRoutes, defaultDashboardDir } from '../../src/server/dashboard';
import { ensureDashboard } from '../e2e/dashboard/browser';

describe('dashboardRoutes', () => {
  let server: Server;
  let base: string;

  beforeAll(async () => {
    ensureDashboard();
    const app = express();
    app.use(dashboardRoutes({ temporalUiUrl: 'http://temporal.example:8233' }));
    app.use(
      '/missing',
      dashboardRoutes({ assetsDir: join(tmpdir(), `none-${randomBytes(4).toString('hex')}`) }),
    );
    app.use((_req, res) => {
      res.status(404).send('fell through');
    });
    server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });

  it('serves the page at /ui and every path under it, under a same-origin CSP, with no key', async () => {
    for (const path of ['/ui', '/ui/', '/ui/runs', '/ui/runs/some-id', '/ui/job-types/echo']) {
      const res = await fetch(`${base}${path}`);
      expect(res.status).toBe(200);
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("default-src 'self'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).not.toContain('unsafe-eval');
      // WebSockets to this origin only ('self' covers ws: and wss: to it), not to any host.
      expect(csp).toMatch(/connect-src 'self'(;|$)/);
      expect(csp).not.toMatch(/ws:|wss:/);
      const html = await res.text();
      expect(html).toContain('<div id="root"></div>');
      expect(html).toContain(
        '"graphqlPath":"/graphql","temporalUiUrl":"http://temporal.example:8233"',
      );
      expect(html).not.toMatch(/Bearer|apiKey/);
    }
  });

  it('serves the built assets from this origin, immutable, and nothing else under /ui/assets', async () => {
    const html = readFileSync(join(defaultDashboardDir(), 'index.html'), 'utf8');
    const entry = /src="(\/ui\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(entry).toBeDefined();
    const js = await fetch(`${base}${entry}`);
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toMatch(/javascript/);
    expect(js.headers.get('cache-control')).toContain('immutable');
    expect((await fetch(`${base}/ui/assets/nope.js`)).status).toBe(404);
  });

  it('leaves other paths alone', async () => {
    expect(await (await fetch(`${base}/uix`)).text()).toBe('fell through');
  });

  it('says how to build the page when it is missing', async () => {
    const res = await fetch(`${base}/missing/ui`);
    expect(res.status).toBe(503);
    expect(await res.text()).toContain('node scripts/build-ui.mjs');
  });
});
