import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { defaultDashboardDir } from '../../src/server/dashboard';
import { ensureDashboard } from '../e2e/dashboard/browser';

/**
 * The dashboard's size budget, in gzipped bytes (what travels on first load). The first load is
 * the entry script with the modules it preloads and the stylesheet; the JSON Schema forms and
 * other heavy pages are lazy chunks with a budget of their own.
 */
export const UI_BUDGET = {
  /** Entry script and its preloaded chunks. */
  initialJs: 120 * 1024,
  /** Stylesheets linked from the page. */
  css: 10 * 1024,
  /** Any one lazily loaded chunk. */
  lazyChunk: 110 * 1024,
};

const gz = (file: string): number => gzipSync(readFileSync(file)).length;

describe('the dashboard bundle', () => {
  const dir = defaultDashboardDir();
  beforeAll(() => ensureDashboard());

  it('keeps the first load within its budget', () => {
    const html = readFileSync(join(dir, 'index.html'), 'utf8');
    const assets = (re: RegExp): string[] =>
      [...html.matchAll(re)].map((m) => join(dir, m[1].replace(/^\/ui\//, '')));
    const scripts = assets(/<script type="module"[^>]* src="([^"]+)"/g);
    const preloads = assets(/<link rel="modulepreload"[^>]* href="([^"]+)"/g);
    const styles = assets(/<link rel="stylesheet"[^>]* href="([^"]+)"/g);
    expect(scripts).toHaveLength(1);
    const initialJs = [...scripts, ...preloads].reduce((n, f) => n + gz(f), 0);
    const css = styles.reduce((n, f) => n + gz(f), 0);
    console.log(
      `dashboard first load: ${(initialJs / 1024).toFixed(1)} KiB JS + ${(css / 1024).toFixed(1)} KiB CSS, gzipped`,
    );
    expect(initialJs).toBeLessThanOrEqual(UI_BUDGET.initialJs);
    expect(css).toBeLessThanOrEqual(UI_BUDGET.css);
  });

  it('keeps each lazy chunk within its budget, and the forms out of the first load', () => {
    const html = readFileSync(join(dir, 'index.html'), 'utf8');
    const files = readdirSync(join(dir, 'assets')).filter((f) => f.endsWith('.js'));
    const lazy = files.filter((f) => !html.includes(f));
    expect(lazy.some((f) => f.startsWith('schema-form-'))).toBe(true);
    for (const f of lazy)
      expect(gz(join(dir, 'assets', f))).toBeLessThanOrEqual(UI_BUDGET.lazyChunk);
  });
});
