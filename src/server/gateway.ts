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
import { GraphQLError, parse, specifiedRules, validate } from 'graphql';
import type {
  DocumentNode,
  ExecutionResult,
  GraphQLFormattedError,
  GraphQLSchema,
  ValidationRule,
} from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import type { Logger } from 'pino';
import { WebSocketServer } from 'ws';
import { bearerToken } from '../auth/key-store';
import type { Principal } from '../auth/principal';
import { tenantScope } from '../auth/principal';
import { ErrorCode } from '../model/error-code';
import { createLoaders } from './loaders';
import { hasNul } from '../store/pg-json';
import type { EventStore } from '../store/event-store';
import { isBackendDown, toClientError } from './client-error';
import type { GraphContext, Loaders, Services } from './context';
import { nestingDepth } from './limits';
import type { TenantRateLimiter } from './rate-limit';
import { groupKey, SubscriptionGroups } from './subscription-groups';
import type { PushTarget } from './subscription-groups';

export interface GatewayOptions {
  schema: GraphQLSchema;
  services: Services;
  events: EventStore;
  log: Logger;
  host: string;
  port: number;
  maxBodyBytes: number;
  /** Deepest nesting of a document's text let through to the parser (see nestingDepth). */
  maxNesting: number;
  /** Answers GET /readyz: true when Redis and Postgres answer. */
  ready: () => Promise<Record<string, boolean>>;
  /** Operation limits (depth, aliases, cost, introspection), on HTTP and WebSocket alike. */
  rules: ValidationRule[];
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

/** What a WebSocket connection carries between hooks. */
type WsExtra = {
  principal?: Principal;
  requestId?: string;
  /** Ids of its open subscriptions. */
  subIds?: Set<string>;
};

/**
 * A UUID as one flat string. `randomUUID()` builds its result from 16 pieces, a
 * tree of V8 cons strings of about 450 bytes; a WebSocket connection keeps its
 * id for hours, and the flat copy is about 80.
 */
const flatUuid = (): string => Buffer.from(randomUUID(), 'latin1').toString('latin1');

const NUL_MESSAGE =
  'the request contains a NUL character (\\u0000), which jobgate cannot store; remove it';

const unauthenticated = (why: string): GraphQLError =>
  new GraphQLError(`${why}: send 'Authorization: Bearer <api key>'`, {
    extensions: { code: ErrorCode.UNAUTHENTICATED, http: { status: 401 } },
  });

/**
 * The context of one request or subscription. A class rather than an object
 * with getters, so the lazy parts cost no closures per instance: an idle
 * subscription holds its context for hours.
 */
class RequestContext implements GraphContext {
  private madeLoaders?: Loaders;
  private madeLog?: Logger;

  constructor(
    readonly principal: Principal,
    readonly requestId: string,
    readonly services: Services,
    private readonly events: EventStore,
    private readonly rootLog: Logger,
  ) {}

  get loaders(): Loaders {
    return (this.madeLoaders ??= createLoaders(
      this.events,
      this.services.jobs,
      this.services.registry,
      tenantScope(this.principal),
    ));
  }

  get log(): Logger {
    return (this.madeLog ??= this.rootLog.child({
      requestId: this.requestId,
      tenant: this.principal.tenant,
    }));
  }
}

/** Apollo (HTTP) and graphql-ws (WebSocket) on one http server and one path. */
export class Gateway {
  private server?: Server;
  private apollo?: ApolloServer<GraphContext>;
  private wsCleanup?: { dispose(): void | Promise<void> };
  private wss?: WebSocketServer;
  private readonly subsPerKey = new Map<string, number>();
  /** Parsed and validated subscription documents by query text (graphql-ws does not cache). */
  private readonly documents = new Map<string, DocumentNode | readonly GraphQLError[]>();
  private subscriptions = 0;
  /** Identical live subscriptions share one execution per event. */
  private readonly groups: SubscriptionGroups;
  /** From onSubscribe to subscribe: the group a subscription joins, and its socket and operation id. */
  private readonly joining = new WeakMap<
    GraphContext,
    { key: string | null; target: PushTarget }
  >();

  constructor(private readonly o: GatewayOptions) {
    this.groups = new SubscriptionGroups({
      format: (r) => (r.errors?.length ? { ...r, errors: this.formatErrors(r.errors) } : r),
    });
  }

  /** Subscription errors as clients see them (coded, internals masked). */
  private formatErrors(errors: readonly GraphQLError[]): GraphQLFormattedError[] {
    return errors.map((e) => toClientError(e.toJSON(), e, this.o.log));
  }

  private async principalOf(header: unknown): Promise<Principal> {
    const token = bearerToken(header);
    if (!token) throw unauthenticated('missing API key');
    const p = await this.o.services.keys.authenticate(token);
    if (!p) throw unauthenticated('unknown or revoked API key');
    return p;
  }

  /** A request's context; its DataLoaders and child logger are made on first use (most subscriptions need neither). */
  private context(principal: Principal, requestId: string): GraphContext {
    return new RequestContext(principal, requestId, this.o.services, this.o.events, this.o.log);
  }

  async start(): Promise<string> {
    const { log } = this.o;
    const app = express();
    app.disable('x-powered-by');
    const server = createServer(app);
    this.server = server;

    const wss = new WebSocketServer({ server, path: '/graphql' });
    this.wss = wss;
    this.wsCleanup = useServer<Record<string, unknown>, WsExtra>(
      {
        schema: this.o.schema,
        connectionInitWaitTimeout: this.o.wsInitTimeoutMs,
        subscribe: (args) => {
          const ctx = args.contextValue as GraphContext;
          const join = this.joining.get(ctx);
          // Needed only to join the group: an idle subscription keeps as little as it can.
          this.joining.delete(ctx);
          return this.groups.subscribe(args, join?.key ?? null, join?.target);
        },
        onConnect: async (ctx) => {
          try {
            ctx.extra.principal = await this.principalOf(
              ctx.connectionParams?.authorization ?? ctx.connectionParams?.Authorization,
            );
            ctx.extra.requestId = flatUuid();
            // Let the upgrade request (headers and all) and the key itself go: a connection
            // lives for hours and needs neither once authenticated.
            (ctx.extra as { request?: unknown }).request = undefined;
            const params = ctx.connectionParams as Record<string, unknown> | undefined;
            // Assigned rather than deleted, so the object keeps its fast shape.
            if (params?.authorization) params.authorization = undefined;
            if (params?.Authorization) params.Authorization = undefined;
            return true;
          } catch (err) {
            ctx.extra.socket.close(4401, (err as Error).message.slice(0, 120));
            return false;
          }
        },
        onSubscribe: async (ctx, id, payload) => {
          const principal = ctx.extra.principal as Principal;
          const count = ctx.extra.subIds?.size ?? 0;
          const keyId = principal.keyId ?? 'admin';
          if (count >= this.o.maxSubscriptionsPerConnection) {
            return [
              new GraphQLError(
                `at most ${this.o.maxSubscriptionsPerConnection} subscriptions per connection; open another connection`,
                { extensions: { code: ErrorCode.RATE_LIMITED } },
              ),
            ];
          }
          if ((this.subsPerKey.get(keyId) ?? 0) >= this.o.maxSubscriptionsPerKey) {
            return [
              new GraphQLError(
                `at most ${this.o.maxSubscriptionsPerKey} subscriptions per API key`,
                { extensions: { code: ErrorCode.RATE_LIMITED } },
              ),
            ];
          }
          try {
            await this.o.rateLimiter.consume(principal.tenant);
          } catch (err) {
            return [err as GraphQLError];
          }
          if (
            hasNul(payload.query) ||
            (payload.variables && hasNul(JSON.stringify(payload.variables)))
          ) {
            return [
              new GraphQLError(NUL_MESSAGE, { extensions: { code: ErrorCode.BAD_USER_INPUT } }),
            ];
          }
          const doc = this.document(payload.query);
          if (!('kind' in doc)) return doc as GraphQLError[];
          (ctx.extra.subIds ??= new Set()).add(id);
          this.subsPerKey.set(keyId, (this.subsPerKey.get(keyId) ?? 0) + 1);
          this.subscriptions++;
          const contextValue = this.context(principal, ctx.extra.requestId ?? flatUuid());
          this.joining.set(contextValue, {
            key: groupKey(
              payload.query,
              payload.variables,
              principal.role === 'ADMIN' ? '*' : principal.tenant,
              principal.role,
            ),
            target: { socket: ctx.extra.socket, id },
          });
          return {
            schema: this.o.schema,
            document: doc,
            variableValues: payload.variables,
            operationName: payload.operationName,
            contextValue,
          };
        },
        onComplete: (ctx, id) => this.release(ctx.extra, id),
        onClose: (ctx) => {
          for (const id of [...(ctx.extra.subIds ?? [])]) this.release(ctx.extra, id);
        },
        // Results of subscriptions that are not grouped (grouped ones are formatted by the group).
        onNext: (_ctx, _id, _payload, _args, result) => {
          const r = result as ExecutionResult;
          return r.errors?.length
            ? ({ ...r, errors: this.formatErrors(r.errors) } as never)
            : undefined;
        },
        onError: (ctx, id, _payload, errors) => {
          this.release(ctx.extra, id);
          return this.formatErrors(errors) as never;
        },
      },
      wss,
    );

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
            didResolveOperation: async ({ operation }) => {
              if (operation?.operation === 'subscription') {
                throw new GraphQLError(
                  'subscriptions run over WebSocket (graphql-ws) at this same /graphql path, not over HTTP POST',
                  { extensions: { code: ErrorCode.BAD_USER_INPUT, http: { status: 400 } } },
                );
              }
            },
          }),
        },
        {
          serverWillStart: async () => ({
            drainServer: async () => {
              await this.wsCleanup?.dispose();
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
            return next(Object.assign(new Error(this.nestingMessage()), { status: 400 }));
          }
        }
        next();
      },
      expressMiddleware(apollo, {
        context: async ({ req }) => {
          const requestId = (req.headers['x-request-id'] as string | undefined) ?? randomUUID();
          try {
            const principal = await this.principalOf(req.headers.authorization);
            await this.o.rateLimiter.consume(principal.tenant);
            return this.context(principal, requestId);
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
    app.use(
      (
        err: { type?: string; status?: number; message?: string },
        _req: Request,
        res: Response,
        next: NextFunction,
      ) => {
        if (!err) return next();
        if (err.type === 'entity.too.large') {
          res.status(413).json({
            errors: [
              {
                message: `request body is larger than ${this.o.maxBodyBytes} bytes`,
                extensions: { code: ErrorCode.BAD_USER_INPUT },
              },
            ],
          });
        } else if (err.type === 'entity.parse.failed') {
          res.status(400).json({
            errors: [
              {
                message: `malformed JSON body: ${err.message}`,
                extensions: { code: ErrorCode.BAD_USER_INPUT },
              },
            ],
          });
        } else if (err.status && err.status < 500) {
          res.status(err.status).json({
            errors: [
              {
                message: err.message ?? 'bad request',
                extensions: { code: ErrorCode.BAD_USER_INPUT },
              },
            ],
          });
        } else {
          log.error({ err }, 'unexpected HTTP error');
          res.status(500).json({
            errors: [
              {
                message: 'Internal server error; it has been logged.',
                extensions: { code: ErrorCode.INTERNAL },
              },
            ],
          });
        }
      },
    );

    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.o.port, this.o.host, () => resolve());
    });
    const addr = server.address() as AddressInfo;
    const host = this.o.host === '0.0.0.0' || this.o.host === '::' ? 'localhost' : this.o.host;
    return `http://${host}:${addr.port}`;
  }

  private release(extra: WsExtra, id: string): void {
    if (!extra.principal || !extra.subIds?.delete(id)) return;
    this.subscriptions--;
    const keyId = extra.principal.keyId ?? 'admin';
    const n = (this.subsPerKey.get(keyId) ?? 1) - 1;
    if (n > 0) this.subsPerKey.set(keyId, n);
    else this.subsPerKey.delete(keyId);
  }

  /** Parses and validates a subscription's text once; later subscriptions with the same text reuse it. */
  private document(query: string): DocumentNode | readonly GraphQLError[] {
    const hit = this.documents.get(query);
    if (hit) return hit;
    let result: DocumentNode | readonly GraphQLError[];
    try {
      if (nestingDepth(query) > this.o.maxNesting) throw new GraphQLError(this.nestingMessage());
      const doc = parse(query);
      const errors = validate(this.o.schema, doc, [...specifiedRules, ...this.o.rules]);
      result = errors.length ? errors : doc;
    } catch (err) {
      result = [err instanceof GraphQLError ? err : new GraphQLError(String(err))];
    }
    if (this.documents.size >= 1000) this.documents.clear();
    this.documents.set(query, result);
    return result;
  }

  private nestingMessage(): string {
    return `the document nests {, ( or [ more than ${this.o.maxNesting} levels deep; no operation that deep can pass the depth limit`;
  }

  /** Shared executions of live subscriptions (one per group of identical ones). */
  get subscriptionGroups(): number {
    return this.groups.size;
  }

  /** Open subscriptions on this gateway. */
  get openSubscriptions(): number {
    return this.subscriptions;
  }

  /** Open WebSocket connections. */
  get connections(): number {
    return this.wss?.clients.size ?? 0;
  }

  /** Stops accepting, lets requests in flight finish, closes every WebSocket. */
  async stop(): Promise<void> {
    if (this.wss) for (const c of this.wss.clients) c.close(1001, 'server shutting down');
    await this.apollo?.stop();
    await new Promise<void>((r) => (this.wss ? this.wss.close(() => r()) : r()));
    if (this.server?.listening) await new Promise<void>((r) => this.server?.close(() => r()));
  }
}
