import { request as httpRequest } from 'node:http';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { chromium } from 'playwright-core';
import type { BrowserContext, Page } from 'playwright-core';
import { defaultGraphiqlDir, graphiqlRoutes } from '../../src/server/graphiql';
import { startStack } from '../helpers/stack';
import type { Stack } from '../helpers/stack';

const CHROMIUM = '/usr/bin/chromium';
const ROOT = join(__dirname, '..', '..');
const SCREENSHOT = join(ROOT, 'test-results', 'graphiql.png');
const hasChromium = existsSync(CHROMIUM);

function ensureBundle(): void {
  if (!existsSync(join(defaultGraphiqlDir(), 'index.html'))) {
    execFileSync(process.execPath, [join(ROOT, 'scripts', 'build-graphiql.mjs')], {
      stdio: 'inherit',
    });
  }
}

/** Text of the Monaco editor inside `scope`, as a person reads it. */
const editorText = (page: Page, scope: string): Promise<string> =>
  page
    .locator(`${scope} .view-lines`)
    .filter({ visible: true })
    .first()
    .innerText()
    .then((t) => t.replace(/\u00a0/g, ' '));

describe('graphiqlRoutes', () => {
  let server: Server;
  let base: string;
  beforeAll(async () => {
    ensureBundle();
    const app = express();
    app.use(graphiqlRoutes({ devKey: null }));
    app.use(
      '/missing',
      graphiqlRoutes({
        devKey: null,
        assetsDir: join(tmpdir(), `none-${randomBytes(4).toString('hex')}`),
      }),
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

  it('serves the page without a key when no dev key is given, under a same-origin CSP', async () => {
    const res = await fetch(`${base}/graphiql`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await res.text();
    expect(html).toContain(
      '<script id="jobgate-config" type="application/json">{"graphqlPath":"/graphql","headers":null}</script>',
    );
    expect(html).not.toMatch(/https?:\/\/(?!www\.w3\.org)/);
  });

  it('answers GET /graphql with the page only when the client asks for HTML', async () => {
    const browser = await fetch(`${base}/graphql`, {
      headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' },
    });
    expect(browser.headers.get('content-type')).toMatch(/text\/html/);
    for (const accept of [
      'application/json',
      '*/*',
      'application/graphql-response+json, application/json;q=0.9',
    ]) {
      const api = await fetch(`${base}/graphql?query=%7B__typename%7D`, { headers: { accept } });
      expect(await api.text()).toBe('fell through');
    }
  });

  it('serves the bundled assets from this origin', async () => {
    const js = await fetch(`${base}/graphiql/assets/graphiql.js`);
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toMatch(/javascript/);
    const worker = await fetch(`${base}/graphiql/assets/graphql.worker.js`);
    expect(worker.status).toBe(200);
  });

  it('gives the dev key only to pages opened from this machine', async () => {
    const app = express();
    app.use(graphiqlRoutes({ devKey: 'dev_key_0123456789abcdef' }));
    const keyed = app.listen(0, '0.0.0.0');
    await new Promise((r) => keyed.once('listening', r));
    const port = (keyed.address() as AddressInfo).port;
    try {
      const local = await (await fetch(`http://127.0.0.1:${port}/graphiql`)).text();
      expect(local).toContain('Bearer dev_key_0123456789abcdef');
      // Another address of this host stands in for a machine on the network.
      const lan = Object.values(networkInterfaces())
        .flat()
        .find((i) => i && i.family === 'IPv4' && !i.internal)?.address;
      if (!lan) {
        console.warn('no non-loopback IPv4 address here: the remote half of this test did not run');
        return;
      }
      const remote = await (await fetch(`http://${lan}:${port}/graphiql`)).text();
      expect(remote).toContain('"headers":null');
      expect(remote).not.toContain('dev_key_0123456789abcdef');
    } finally {
      keyed.closeAllConnections();
      await new Promise<void>((r) => keyed.close(() => r()));
    }
  });

  it('keeps the dev key from a page whose Host is not a loopback name, or that came through a proxy', async () => {
    const app = express();
    app.use(graphiqlRoutes({ devKey: 'dev_key_0123456789abcdef' }));
    const keyed = app.listen(0, '127.0.0.1');
    await new Promise((r) => keyed.once('listening', r));
    const port = (keyed.address() as AddressInfo).port;
    // node's fetch sets Host itself; http.request sends the one given, as a rebinding page's browser does.
    const page = (headers: Record<string, string>): Promise<string> =>
      new Promise((resolve, reject) => {
        const req = httpRequest({ host: '127.0.0.1', port, path: '/graphiql', headers }, (res) => {
          let text = '';
          res.on('data', (d: Buffer) => (text += d.toString()));
          res.on('end', () => resolve(text));
        });
        req.on('error', reject);
        req.end();
      });
    try {
      for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`]) {
        expect(await page({ host })).toContain('Bearer dev_key_0123456789abcdef');
      }
      // DNS rebinding: a site's own name resolved to 127.0.0.1.
      expect(await page({ host: `attacker.example:${port}` })).not.toContain('dev_key');
      expect(await page({ host: `localhost.attacker.example:${port}` })).not.toContain('dev_key');
      // A reverse proxy on this host: every visitor's socket is loopback.
      expect(
        await page({ host: `localhost:${port}`, 'x-forwarded-for': '203.0.113.7' }),
      ).not.toContain('dev_key');
      expect(await page({ host: `localhost:${port}`, forwarded: 'for=203.0.113.7' })).not.toContain(
        'dev_key',
      );
    } finally {
      keyed.closeAllConnections();
      await new Promise<void>((r) => keyed.close(() => r()));
    }
  });

  it('says how to build the page when the assets are missing', async () => {
    const res = await fetch(`${base}/missing/graphiql`);
    expect(res.status).toBe(503);
    expect(await res.text()).toContain('node scripts/build-graphiql.mjs');
  });
});

(hasChromium ? describe : describe.skip)('GraphiQL in Chromium', () => {
  const key = `admin_${randomBytes(16).toString('hex')}`;
  let stack: Stack;
  let context: BrowserContext;
  let userDataDir: string;
  const foreign: string[] = [];
  const pageErrors: string[] = [];
  /** Errors in the browser console (a failed request logs one, e.g. "401 (Unauthorized)"). */
  const consoleErrors: string[] = [];
  /** Status of each schema introspection the pages sent. */
  const introspections: number[] = [];

  beforeAll(async () => {
    ensureBundle();
    stack = await startStack({
      env: { JOBGATE_ADMIN_KEY: key },
      extendGateway: (app) => app.use(graphiqlRoutes({ devKey: key })),
    });
    userDataDir = mkdtempSync(join(tmpdir(), 'jobgate-chromium-'));
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
      viewport: { width: 1400, height: 900 },
    });
    // Offline means offline: anything not served by the gateway is refused and reported.
    const origin = new URL(stack.url).origin;
    await context.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith(origin) || url.startsWith('data:') || url.startsWith('blob:'))
        return route.continue();
      foreign.push(url);
      return route.abort();
    });
  }, 120_000);

  afterAll(async () => {
    await context?.close();
    if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
    await stack?.close();
  });

  const open = async (path: string): Promise<Page> => {
    const page = await context.newPage();
    page.on('pageerror', (e) => pageErrors.push(`${path}: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(`${path}: ${m.text()} (${m.location().url})`);
    });
    page.on('response', (r) => {
      if (/IntrospectionQuery/.test(r.request().postData() ?? '')) introspections.push(r.status());
    });
    const res = await page.goto(`${stack.url.replace(/\/graphql$/, '')}${path}`);
    expect(res?.status()).toBe(200);
    await page.locator('.graphiql-container').waitFor({ timeout: 30_000 });
    await page.locator('.graphiql-query-editor .view-lines').first().waitFor({ timeout: 30_000 });
    return page;
  };

  /**
   * Switches `page` to `tab` and runs it until `result` gives a value. GraphiQL shows a tab's text
   * at once but takes its operation name a moment later; a run in between sends the new text with
   * the old tab's name, which the gateway refuses as an unknown operation. A person never clicks
   * that fast, so the test pauses as a person would, and runs the tab again if it was refused so.
   */
  const runTab = async <T>(
    page: Page,
    tab: string,
    text: string,
    result: () => Promise<T | undefined>,
  ): Promise<T> => {
    await page.locator('.graphiql-tab', { hasText: tab }).click();
    expect(await editorText(page, '.graphiql-query-editor')).toContain(text);
    for (let attempt = 1; ; attempt++) {
      await page.waitForTimeout(500);
      await page.locator('.graphiql-execute-button').click();
      const outcome = await stack.waitFor(
        async () => {
          const got = await result();
          if (got !== undefined) return { got };
          const pane = await editorText(page, '.graphiql-response');
          return /Unknown operation named|Unable to identify operation/.test(pane)
            ? { refused: pane }
            : undefined;
        },
        20_000,
        `the result of the ${tab} tab`,
      );
      if ('got' in outcome) return outcome.got as T;
      if (attempt === 3)
        throw new Error(`GraphiQL ran the ${tab} tab under another name: ${outcome.refused}`);
    }
  };

  it('loads the schema with the dev key on the first visit, with no error in the console', async () => {
    // A fresh profile: no tabs or headers from an earlier visit.
    const page = await open('/graphiql');
    await stack.waitFor(
      async () => introspections.length > 0,
      15_000,
      'the introspection of the first page load',
    );
    // The schema arrived: the documentation explorer lists the root types.
    const docs = page.locator('.graphiql-sidebar button[aria-label="Show Documentation Explorer"]');
    await docs.click();
    await page.locator('.graphiql-doc-explorer-root-type').first().waitFor({ timeout: 15_000 });
    expect(await page.locator('.graphiql-doc-explorer-content').innerText()).toContain('Query');
    // Closed again: the open plugin is remembered for the pages the next test opens.
    await page
      .locator('.graphiql-sidebar button[aria-label="Hide Documentation Explorer"]')
      .click();
    await page.waitForTimeout(1000);
    expect(introspections).toEqual([200]);
    expect(consoleErrors).toEqual([]);
    expect(pageErrors).toEqual([]);
    await page.close();
  });

  it('runs a jobEvents subscription in one tab and shows the event of a job submitted from another', async () => {
    const watcher = await open('/graphiql');
    expect(await watcher.locator('.graphiql-tab').count()).toBe(4);
    // The headers tab opens with the dev key, so the example tabs run as they are.
    await stack.waitFor(
      async () =>
        (await editorText(watcher, '.graphiql-editor-tool')).includes(
          `"Authorization": "Bearer ${key}"`,
        ),
      10_000,
      'the dev key in the headers tab',
    );

    // The subscription is live once the gateway's hub has a listener for it.
    const feed = stack.app.services.feed as unknown as { hub: { size: number } };
    await runTab(watcher, 'WatchEvents', 'subscription WatchEvents', async () =>
      feed.hub.size > 0 ? true : undefined,
    );

    // GET /graphql from a browser is GraphiQL too; its SubmitEcho tab runs as it is. (The tabs are
    // shared through localStorage, so this page opens on the watcher's active tab.)
    const submitter = await open('/graphql');
    const jobId = await runTab(
      submitter,
      'SubmitEcho',
      'mutation SubmitEcho',
      async () => /"id": "([^"]+)"/.exec(await editorText(submitter, '.graphiql-response'))?.[1],
    );
    expect(await editorText(submitter, '.graphiql-response')).toContain('"backend": "BULLMQ"');

    // The watcher's result pane shows each event as it arrives; the echo job ends COMPLETED.
    const seen = await stack.waitFor(
      async () => {
        const text = await editorText(watcher, '.graphiql-response');
        return text.includes(`"jobId": "${jobId}"`) && text.includes('"type": "COMPLETED"')
          ? text
          : null;
      },
      20_000,
      `the COMPLETED event of ${jobId} in the result pane`,
    );
    expect(seen).toContain('"jobType": "echo"');
    mkdirSync(join(ROOT, 'test-results'), { recursive: true });
    await watcher.screenshot({ path: SCREENSHOT });

    expect(foreign).toEqual([]);
    expect(pageErrors).toEqual([]);
    expect(consoleErrors).toEqual([]);
    expect(introspections.every((s) => s === 200)).toBe(true);
  });
});

if (!hasChromium) {
  describe('GraphiQL in Chromium', () => {
    // CI installs Chromium (.ci/run): there, a missing browser is a failure, not a skip.
    (process.env.CI ? it : it.skip)(`needs ${CHROMIUM}: apt-get install -y chromium`, () => {
      throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
    });
    console.warn(
      `GraphiQL browser test skipped: ${CHROMIUM} is missing (apt-get install -y chromium)`,
    );
  });
}
