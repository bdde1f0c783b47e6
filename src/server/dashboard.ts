import { existsSync, readFileSync } from 'node:fs';
import { sendBuiltPage } from './built-page';
import { join } from 'node:path';
import express from 'express';
import type { Request, Response } from 'express';
import { packageRoot } from './graphiql';

/** Options of {@link dashboardRoutes}. */
export interface DashboardOptions {
  /** Temporal web UI that run details link to; null shows no link. @defaultValue null */
  temporalUiUrl?: string | null;
  /** Namespace in those links. @defaultValue 'default' */
  temporalNamespace?: string;
  /** Path of the GraphQL endpoint (HTTP and WebSocket). @defaultValue '/graphql' */
  graphqlPath?: string;
  /** Directory written by `node scripts/build-ui.mjs`. @defaultValue '<package root>/dist/ui' */
  assetsDir?: string;
}

export const defaultDashboardDir = (): string => join(packageRoot(__dirname), 'dist', 'ui');

// Everything loads from this origin; the page talks only to the gateway (HTTP and WebSocket).
const csp = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  // 'self' covers ws: and wss: to this same host and port (CSP Level 3), and nothing else.
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

const scriptJson = (v: unknown): string =>
  JSON.stringify(v).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');

/**
 * The dashboard: a single-page app built from `ui/` into dist/ui, served at `/ui` (every path
 * under it answers with the page, which routes in the browser). It holds no key and no data:
 * the browser signs in with an API key and reads everything through the public GraphQL API.
 */
export function dashboardRoutes(o: DashboardOptions = {}): express.Router {
  const dir = o.assetsDir ?? defaultDashboardDir();
  const config = {
    graphqlPath: o.graphqlPath ?? '/graphql',
    temporalUiUrl: o.temporalUiUrl ?? null,
    temporalNamespace: o.temporalNamespace ?? 'default',
    boardPath: '/admin/queues',
  };
  let page: string | null = null;
  const render = (): string | null => {
    if (page !== null) return page;
    const file = join(dir, 'index.html');
    if (!existsSync(file)) return null;
    page = readFileSync(file, 'utf8').replace(
      '<!--jobgate:config-->',
      `<script id="jobgate-config" type="application/json">${scriptJson(config)}</script>`,
    );
    return page;
  };
  const serve = (_req: Request, res: Response): void => {
    sendBuiltPage(res, render(), csp, {
      what: 'The dashboard',
      script: 'scripts/build-ui.mjs',
      dir,
    });
  };

  const router = express.Router();
  router.use(
    '/ui/assets',
    express.static(join(dir, 'assets'), {
      index: false,
      fallthrough: false,
      // Names carry a content hash: a new build never reuses one.
      immutable: true,
      maxAge: '1y',
      setHeaders: (res) => res.setHeader('X-Content-Type-Options', 'nosniff'),
    }),
  );
  router.get(['/ui', '/ui/{*rest}'], serve);
  return router;
}
