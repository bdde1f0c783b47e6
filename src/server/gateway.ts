import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import type { ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import express from 'express';
import type { NextFunction, Request, Response } from 'express';
import { GraphQLError } from 'graphql';
import type { GraphQLSchema, ValidationRule } from 'graphql';
import type { Logger } from 'pino';
import { ErrorCode } from '../model/error-code';
import { hasNul } from '../store/pg-json';
import type { EventStore } from '../store/event-store';
import { isBackendDown, toClientError } from './client-error';
import type { GraphContext, Services } from './context';
import { bodyErrors } from './http-errors';
import { nestingDepth, nestingMessage, NUL_MESSAGE } from './limits';
import { operationRefusal } from './operation-policy';
import type { OperationLimits } from './operation-policy';
import type { TenantRateLimiter } from './rate-limit';
import { PreAuth } from './pre-auth';
import { RequestContext } from './request-context';
import { SubscriptionServer } from './subscription-server';

export interface GatewayOptions {
  schema: GraphQLSchema;
  services: Services;
  events: EventStore;
  log: Logger;
  host: string;
  port: number;
  /** Express's `trust proxy` (empty: believe no X-Forwarded-* header). */
  trustProxy?: string;
  /** Failed authentications one client address may make per minute (0: no limit). */
  authFailuresPerMinute: number;
  maxBodyBytes: number;
  /** Deepest nesting of a document's text let through to the parser (see nestingDepth). */
  maxNesting: number;
  /** Answers GET /readyz: true when Redis and Postgres answer. */
  ready: () => Promise<Record<string, boolean>>;
  /** Operation limits (depth, aliases, introspection), on HTTP and WebSocket alike. */
  rules: ValidationRule[];
  /** Limits judged once variables are known (cost, input depth), on HTTP and WebSocket alike. */
  operationLimits: OperationLimits;
  introspection: boolean;
  rateLimiter: TenantRateLimiter;
  maxSubscriptionsPerConnection: number;
  maxSubscriptionsPerKey: number;
  wsInitTimeoutMs: number;
  /** Apollo plugins added by the caller (metrics). */
  plugins?: ApolloServerPlugin<GraphContext>[];
  /** Extra routes (GraphiQL, metrics, admin UI), mounted before /graphql. */
  extend?: (app: express.Express) => void;
}

/** Apollo (HTTP) and graphql-ws (WebSocket) on one http server and one path. */
export class Gateway {
  private server?: Server;
  private apollo?: ApolloServer<GraphContext>;
  /** The WebSocket side: graphql-ws, its limits and its subscription groups. */
  private readonly subs: SubscriptionServer;

  /** Authentication with its per-address limit, on HTTP and WebSocket alike. */
  private readonly preAuth: PreAuth;

  constructor(private readonly o: GatewayOptions) {
    this.preAuth = new PreAuth(o.services.keys, o.authFailuresPerMinute);
    this.subs = new SubscriptionServer({ ...o, preAuth: this.preAuth });
  }

  async start(): Promise<string> {
    const { log } = this.o;
    const app = express();
    app.disable('x-powered-by');
    if (this.o.trustProxy) {
      const hops = Number(this.o.trustProxy);
      app.set('trust proxy', Number.isInteger(hops) ? hops : this.o.trustProxy);
    }
    const server = createServer(app);
    this.server = server;

    this.subs.listen(server);

    const apollo = new ApolloServer<GraphContext>({
      schema: this.o.schema,
      introspection: this.o.introspection,
      validationRules: this.o.rules,
      csrfPrevention: true,
      // Shutdown is ordered by the process (gateway last-in, first-out); Apollo must not stop itself and re-raise the signal.
      stopOnTerminationSignals: false,
      includeStacktraceInErrorResponses: false,
      formatError: (formatted, error) => toClientError(formatted, error, log),
      plugins: [
        ApolloServerPluginDrainHttpServer({ httpServer: server }),
        ApolloServerPluginLandingPageDisabled(),
        // No cache hints are used; the plugin would otherwise wrap every field resolver.
        ApolloServerPluginCacheControlDisabled(),
        ...(this.o.plugins ?? []),
        {
          // Subscriptions are served over WebSocket (graphql-ws) on the same path, not over HTTP.
          requestDidStart: async () => ({
            didResolveOperation: async ({ operation, document, request, operationName }) => {
              if (operation?.operation === 'subscription') {
                throw new GraphQLError(
                  'subscriptions run over WebSocket (graphql-ws) at this same /graphql path, not over HTTP POST',
                  { extensions: { code: ErrorCode.BAD_USER_INPUT, http: { status: 400 } } },
                );
              }
              const refusal = operationRefusal(
                this.o.schema,
                document,
                request.variables,
                operationName,
                this.o.operationLimits,
              );
              if (refusal) throw refusal;
            },
          }),
        },
        {
          serverWillStart: async () => ({
            drainServer: async () => {
              await this.subs.dispose();
            },
          }),
        },
      ],
    });
    this.apollo = apollo;
    await apollo.start();

    app.get('/healthz', (_req, res) => {
      res.json({ ok: true });
    });
    app.get('/readyz', async (_req, res) => {
      const checks = await this.o.ready();
      const ok = Object.values(checks).every(Boolean);
      res.status(ok ? 200 : 503).json({ ok, checks });
    });
    const graphql = [
      express.json({
        limit: this.o.maxBodyBytes,
        // Postgres cannot store U+0000: refuse it at the door rather than fail deep inside.
        verify: (_req, _res, buf) => {
          if (hasNul(buf)) throw Object.assign(new Error(NUL_MESSAGE), { status: 400 });
        },
      }),
      (req: Request, _res: Response, next: NextFunction) => {
        const bodies: unknown[] = Array.isArray(req.body) ? req.body : [req.body];
        const texts = [
          ...bodies.map((b) => (b as { query?: unknown } | undefined)?.query),
          req.query?.query,
        ];
        for (const t of texts) {
          if (typeof t === 'string' && nestingDepth(t) > this.o.maxNesting) {
            return next(
              Object.assign(new Error(nestingMessage(this.o.maxNesting)), { status: 400 }),
            );
          }
        }
        next();
      },
      expressMiddleware(apollo, {
        context: async ({ req }) => {
          const requestId = (req.headers['x-request-id'] as string | undefined) ?? randomUUID();
          try {
            const principal = await this.preAuth.principalOf(req.headers.authorization, req.ip);
            await this.o.rateLimiter.consume(principal.tenant);
            return new RequestContext(principal, requestId, this.o.services, this.o.events, log);
          } catch (err) {
            // Keys live in Postgres and the limiter in Redis: with either away, the answer is a
            // retryable 503, not a failure of the request's own.
            if (!isBackendDown(err)) throw err;
            log.warn({ err }, 'a backend is unreachable while authenticating');
            throw new GraphQLError(
              'a backend (Postgres or Redis) is unreachable right now; retry shortly',
              {
                extensions: {
                  code: ErrorCode.BACKEND_UNAVAILABLE,
                  http: { status: 503, headers: new Map([['retry-after', '5']]) },
                },
              },
            );
          }
        },
      }),
    ];
    // POST /graphql (every mutation and most queries) goes straight to Apollo, ahead of the
    // extra routes; GET still passes them first, so that a browser gets GraphiQL.
    app.post('/graphql', graphql);
    this.o.extend?.(app);
    app.use('/graphql', graphql);
    // Body errors (malformed JSON, too large) as GraphQL-shaped answers with a code.
    app.use(bodyErrors(this.o.maxBodyBytes, log));

    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.o.port, this.o.host, () => resolve());
    });
    const addr = server.address() as AddressInfo;
    const host = this.o.host === '0.0.0.0' || this.o.host === '::' ? 'localhost' : this.o.host;
    return `http://${host}:${addr.port}`;
  }

  /** Shared executions of live subscriptions (one per group of identical ones). */
  get subscriptionGroups(): number {
    return this.subs.subscriptionGroups;
  }

  /** Open subscriptions on this gateway. */
  get openSubscriptions(): number {
    return this.subs.openSubscriptions;
  }

  /** Open WebSocket connections. */
  get connections(): number {
    return this.subs.connections;
  }

  /** Stops accepting, lets requests in flight finish, closes every WebSocket. */
  async stop(): Promise<void> {
    this.subs.closeConnections();
    await this.apollo?.stop();
    await this.subs.close();
    if (this.server?.listening) await new Promise<void>((r) => this.server?.close(() => r()));
  }
}
