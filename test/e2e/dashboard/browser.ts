import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { defaultDashboardDir } from '../../../src/server/dashboard';

export const CHROMIUM = '/usr/bin/chromium';
export const ROOT = join(__dirname, '..', '..', '..');
export const ARTIFACTS = join(ROOT, 'test-artifacts', 'ui');
export const hasChromium = existsSync(CHROMIUM);

/** Builds dist/ui when it is missing (the same script `npm start` runs). */
export function ensureDashboard(): void {
  if (!existsSync(join(defaultDashboardDir(), 'index.html')))
    execFileSync(process.execPath, [join(ROOT, 'scripts', 'build-ui.mjs')], { stdio: 'inherit' });
}

/** Debian's Chromium, headless, with nothing of its own reaching the network. */
export const launch = (): Promise<Browser> =>
  chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });

/** What the pages of one test run did that they must not: leave the gateway, log errors. */
export class Watch {
  readonly foreign: string[] = [];
  readonly consoleErrors: string[] = [];
  readonly pageErrors: string[] = [];

  constructor(private readonly origin: string) {}

  /** A fresh browser profile (its own cookies and storage), watched. */
  async context(browser: Browser): Promise<BrowserContext> {
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    await context.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith(this.origin) || url.startsWith('data:') || url.startsWith('blob:'))
        return route.continue();
      this.foreign.push(url);
      return route.abort();
    });
    return context;
  }

  async page(context: BrowserContext): Promise<Page> {
    const page = await context.newPage();
    page.on('pageerror', (e) => this.pageErrors.push(`${page.url()}: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') this.consoleErrors.push(`${page.url()}: ${m.text()}`);
    });
    return page;
  }
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}
