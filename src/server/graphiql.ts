import { existsSync, readFileSync } from 'node:fs';
import { sendBuiltPage } from './built-page';
import { dirname, join } from 'node:path';
import express from 'express';
import type { Request, Response } from 'express';

/** Options of {@link graphiqlRoutes}. */
export interface GraphiqlOptions {
  /**
   * Key pre-filled in the headers tab as `Authorization: Bearer <devKey>`. Give it only to a
   * local development stack: the page hands it to whoever opens it.
   */
  devKey: string | null;
  /**
   * Put the dev key also into pages opened from other machines. Off, only a page a browser on
   * this machine asked for directly gets it (see isLocalPageRequest).
   * @defaultValue false
   */
  devKeyForRemote?: boolean;
  /** Path of the GraphQL endpoint (HTTP and WebSocket). @defaultValue '/graphql' */
  graphqlPath?: string;
  /** Directory written by `node scripts/build-graphiql.mjs`. @defaultValue '<package root>/dist/graphiql' */
  assetsDir?: string;
}

/** The directory holding package.json above `from`: the same from src/ (ts-jest) and dist/src/. */
export function packageRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return from;
  }
}

export const defaultGraphiqlDir = (): string => join(packageRoot(__dirname), 'dist', 'graphiql');

// The bundle loads only from this origin: no CDN can be reached even by accident.
const csp = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  // 'self' covers ws: and wss: to this same host and port (CSP Level 3), and nothing else.
  "connect-src 'self'",
  "worker-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

/** JSON that is safe inside a <script> element. */
const scriptJson = (v: unknown): string =>
  JSON.stringify(v).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');

const LOOPBACK_HOST = /^(localhost|127(\.\d{1,3}){3}|\[::1\])(:\d{1,5})?$/i;

/**
 * True only for a page a browser on this machine asked for directly: the socket comes from a
 * loopback address, the Host header names a loopback host (a DNS-rebinding page from any site
 * reaches 127.0.0.1 under its own name), and no proxy stands between (behind a same-host
 * reverse proxy every visitor's socket is loopback).
 */
export function isLocalPageRequest(req: Request): boolean {
  const h = req.headers;
  return (
    /^(127\.|::1$|::ffff:127\.)/.test(req.socket.remoteAddress ?? '') &&
    LOOPBACK_HOST.test(h.host ?? '') &&
    h['x-forwarded-for'] === undefined &&
    h['x-forwarded-host'] === undefined &&
    h.forwarded === undefined &&
    h['x-real-ip'] === undefined
  );
}

/** True when the request prefers an HTML page to a GraphQL JSON answer (a browser's navigation). */
const wantsHtml = (req: Request): boolean =>
  /\btext\/html\b/.test(req.headers.accept ?? '') &&
  req.accepts(['application/graphql-response+json', 'application/json', 'text/html']) ===
    'text/html';

/**
 * GraphiQL, served from assets bundled at build time (the `graphiql` package and its React, never
 * a CDN): `GET /graphiql`, and `GET /graphql` when a browser asks for HTML. Subscriptions run over
 * graphql-ws on the same path, with the key of the headers tab in `connection_init`.
 */
export function graphiqlRoutes(o: GraphiqlOptions): express.Router {
  const graphqlPath = o.graphqlPath ?? '/graphql';
  const dir = o.assetsDir ?? defaultGraphiqlDir();
  const keyHeaders = o.devKey
    ? JSON.stringify({ Authorization: `Bearer ${o.devKey}` }, null, 2)
    : null;
  const configOf = (headers: string | null): string =>
    `<script id="jobgate-config" type="application/json">${scriptJson({ graphqlPath, headers })}</script>`;
  let template: string | null = null;
  const pages = new Map<boolean, string>();
  const render = (withKey: boolean): string | null => {
    const cached = pages.get(withKey);
    if (cached !== undefined) return cached;
    if (template === null) {
      const file = join(dir, 'index.html');
      if (!existsSync(file)) return null;
      template = readFileSync(file, 'utf8');
    }
    const page = template.replace('<!--jobgate:config-->', configOf(withKey ? keyHeaders : null));
    pages.set(withKey, page);
    return page;
  };

  const serve = (req: Request, res: Response): void => {
    sendBuiltPage(
      res,
      render(!!keyHeaders && (o.devKeyForRemote === true || isLocalPageRequest(req))),
      csp,
      { what: 'GraphiQL', script: 'scripts/build-graphiql.mjs', dir },
    );
  };

  const router = express.Router();
  router.get('/graphiql', serve);
  router.get(graphqlPath, (req, res, next) => (wantsHtml(req) ? serve(req, res) : next()));
  router.use(
    '/graphiql/assets',
    express.static(join(dir, 'assets'), {
      index: false,
      cacheControl: true,
      maxAge: 0,
      setHeaders: (res) => res.setHeader('X-Content-Type-Options', 'nosniff'),
    }),
  );
  return router;
}
