import type { Response } from 'express';

/**
 * Sends a page built at start-up (GraphiQL, the dashboard) with its CSP and no caching, or a
 * 503 that names the script which builds it when `html` is null.
 */
export function sendBuiltPage(
  res: Response,
  html: string | null,
  csp: string,
  missing: { what: string; script: string; dir: string },
): void {
  if (html === null) {
    res
      .status(503)
      .type('text/plain')
      .send(
        `${missing.what} is not built: run 'node ${missing.script}' (writes ${missing.dir}).\n`,
      );
    return;
  }
  res.set({
    'Content-Security-Policy': csp,
    'Cache-Control': 'no-store',
    'Referrer-Policy': 'no-referrer',
    'X-Content-Type-Options': 'nosniff',
  });
  res.type('html').send(html);
}
