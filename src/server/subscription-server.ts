import type { IncomingMessage, Server } from 'node:http';
import { GraphQLError } from 'graphql';
import type {
  ExecutionResult,
  GraphQLFormattedError,
  GraphQLSchema,
  ValidationRule,
} from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import type { Logger } from 'pino';
import { WebSocketServer } from 'ws';
import type { WebSocket } from 'ws';
import { bearerToken } from '../auth/key-store';
import type { Principal } from '../auth/principal';
import { ErrorCode } from '../model/error-code';
import { hasNul } from '../store/pg-json';
import type { EventStore } from '../store/event-store';
import { toClientError } from './client-error';
import type { GraphContext, Services } from './context';
import { DocumentCache } from './document-cache';
import { NUL_MESSAGE } from './limits';
import { depthRefusal, operationRefusal } from './operation-policy';
import type { OperationLimits } from './operation-policy';
import type { TenantRateLimiter } from './rate-limit';
import type { PreAuth } from './pre-auth';
import { flatUuid, RequestContext } from './request-context';
import { groupKey, SubscriptionGroups } from './subscription-groups';
import type { PushTarget } from './subscription-groups';

/** The part of the gateway's options the WebSocket side uses (GatewayOptions has them all). */
export interface SubscriptionServerOptions {
  schema: GraphQLSchema;
  services: Services;
  events: EventStore;
  log: Logger;
  /** Deepest nesting of a document's text let through to the parser (see nestingDepth). */
  maxNesting: number;
  /** Operation limits (depth, aliases, introspection), on HTTP and WebSocket alike. */
  rules: ValidationRule[];
  /** Limits judged once variables are known (cost, input depth), on HTTP and WebSocket alike. */
  operationLimits: OperationLimits;
  rateLimiter: TenantRateLimiter;
  maxSubscriptionsPerConnection: number;
  maxSubscriptionsPerKey: number;
  wsInitTimeoutMs: number;
  /** Authentication with its per-address limit (shared with HTTP). */
  preAuth: PreAuth;
  /** Express's `trust proxy`: when set, the client address is the last X-Forwarded-For hop. */
  trustProxy?: string;
  /** Largest WebSocket message, as MAX_BODY_BYTES is the largest HTTP body. */
  maxBodyBytes: number;
  /** How often open connections' keys are checked again; a revoked key's sockets close. @defaultValue 5000 */
  keyRecheckMs?: number;
}

/** Close code for a socket whose API key was revoked while it was open. */
export const KEY_REVOKED_CLOSE = 4403;

/** What a WebSocket connection carries between hooks. */
type WsExtra = {
  principal?: Principal;
  /**
   * The connection's API key, kept to check it again: every operation is
   * authorised as on HTTP, and a revoked key's sockets close.
   */
  secret?: string;
  requestId?: string;
  /** Ids of its open subscriptions. */
  subIds?: Set<string>;
};

/**
 * graphql-ws on an http server's /graphql path: authenticates each connection,
 * limits subscriptions per connection and per API key, and counts what is open.
 */
export class SubscriptionServer {
  private wss?: WebSocketServer;
  private wsCleanup?: { dispose(): void | Promise<void> };
  private readonly subsPerKey = new Map<string, number>();
  /** Parsed and validated documents by text (graphql-ws does not cache), bounded by bytes. */
  private readonly documents: DocumentCache;
  /** Open, authenticated connections, for the periodic key check. */
  private readonly open = new Map<WebSocket, WsExtra>();
  private recheck?: NodeJS.Timeout;
  private subscriptions = 0;
  /** Identical live subscriptions share one execution per event. */
  private readonly groups: SubscriptionGroups;
  /** From onSubscribe to subscribe: the group a subscription joins, and its socket and operation id. */
  private readonly joining = new WeakMap<
    GraphContext,
    { key: string | null; target: PushTarget }
  >();

  constructor(private readonly o: SubscriptionServerOptions) {
    this.documents = new DocumentCache(o.schema, o.rules, o.maxNesting);
    this.groups = new SubscriptionGroups({
      format: (r) => (r.errors?.length ? { ...r, errors: this.formatErrors(r.errors) } : r),
    });
  }

  /** Subscription errors as clients see them (coded, internals masked). */
  private formatErrors(errors: readonly GraphQLError[]): GraphQLFormattedError[] {
    return errors.map((e) => toClientError(e.toJSON(), e, this.o.log));
  }

  /** Serves graphql-ws on `server` at /graphql. */
  listen(server: Server): void {
    // ws's own limit is 100 MiB: a message is held to the HTTP body limit (close 1009 above it).
    const wss = new WebSocketServer({ server, path: '/graphql', maxPayload: this.o.maxBodyBytes });
    this.wss = wss;
    this.recheck = setInterval(() => void this.closeRevoked(), this.o.keyRecheckMs ?? 5000);
    this.recheck.unref();
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
            const header =
              ctx.connectionParams?.authorization ?? ctx.connectionParams?.Authorization;
            ctx.extra.principal = await this.o.preAuth.principalOf(
              header,
              clientAddress(ctx.extra.request, this.o.trustProxy),
            );
            ctx.extra.requestId = flatUuid();
            const secret = bearerToken(header);
            // A flat copy: the parsed message it came from can go.
            if (secret) ctx.extra.secret = Buffer.from(secret, 'latin1').toString('latin1');
            this.open.set(ctx.extra.socket, ctx.extra);
            // Let the upgrade request (headers and all) and the connection parameters go: a
            // connection lives for hours and needs neither once authenticated.
            (ctx.extra as { request?: unknown }).request = undefined;
            const params = ctx.connectionParams as Record<string, unknown> | undefined;
            // Assigned rather than deleted, so the object keeps its fast shape.
            if (params?.authorization) params.authorization = undefined;
            if (params?.Authorization) params.Authorization = undefined;
            return true;
          } catch (err) {
            const limited = (err as GraphQLError).extensions?.code === ErrorCode.RATE_LIMITED;
            ctx.extra.socket.close(limited ? 4429 : 4401, (err as Error).message.slice(0, 120));
            return false;
          }
        },
        onSubscribe: async (ctx, id, payload) => {
          const principal = await this.stillValid(ctx.extra);
          if (!principal) {
            // After graphql-ws has sent the error below.
            setImmediate(() => ctx.extra.socket.close(KEY_REVOKED_CLOSE, 'API key revoked'));
            return [
              new GraphQLError('unknown or revoked API key', {
                extensions: { code: ErrorCode.UNAUTHENTICATED },
              }),
            ];
          }
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
          const tooDeep = depthRefusal(payload.variables, this.o.operationLimits);
          if (tooDeep) return [tooDeep];
          if (
            hasNul(payload.query) ||
            (payload.variables && hasNul(JSON.stringify(payload.variables)))
          ) {
            return [
              new GraphQLError(NUL_MESSAGE, { extensions: { code: ErrorCode.BAD_USER_INPUT } }),
            ];
          }
          const doc = this.documents.get(payload.query);
          if (!('kind' in doc)) return doc as GraphQLError[];
          const refusal = operationRefusal(
            this.o.schema,
            doc,
            payload.variables,
            payload.operationName,
            this.o.operationLimits,
          );
          if (refusal) return [refusal];
          (ctx.extra.subIds ??= new Set()).add(id);
          this.subsPerKey.set(keyId, (this.subsPerKey.get(keyId) ?? 0) + 1);
          this.subscriptions++;
          const contextValue = new RequestContext(
            principal,
            ctx.extra.requestId ?? flatUuid(),
            this.o.services,
            this.o.events,
            this.o.log,
          );
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
          this.open.delete(ctx.extra.socket);
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
  }

  private release(extra: WsExtra, id: string): void {
    if (!extra.principal || !extra.subIds?.delete(id)) return;
    this.subscriptions--;
    const keyId = extra.principal.keyId ?? 'admin';
    const n = (this.subsPerKey.get(keyId) ?? 1) - 1;
    if (n > 0) this.subsPerKey.set(keyId, n);
    else this.subsPerKey.delete(keyId);
  }

  /**
   * The connection's principal if its key still holds (the key store caches the
   * answer, as for HTTP requests), or null once it is revoked.
   */
  private async stillValid(extra: WsExtra, waitIfStale = false): Promise<Principal | null> {
    const principal = extra.principal as Principal;
    // The configured admin key (no key id) cannot be revoked.
    if (!principal.keyId || !extra.secret) return principal;
    let now: Principal | null;
    try {
      now = await this.o.services.keys.authenticate(extra.secret, { waitIfStale });
    } catch {
      // Postgres away: nobody can revoke a key meanwhile, so the key as checked at connect holds.
      return principal;
    }
    return now && now.keyId === principal.keyId ? principal : null;
  }

  /** Closes every socket whose key was revoked; their subscriptions end with them. */
  private async closeRevoked(): Promise<void> {
    const verdicts = new Map<string, Promise<boolean>>();
    for (const [socket, extra] of this.open) {
      if (!extra.secret || !extra.principal?.keyId) continue;
      let ok = verdicts.get(extra.secret);
      if (!ok) {
        // Nothing waits on this check, so a stale cache entry is checked before it answers.
        ok = this.stillValid(extra, true).then((p) => p !== null);
        verdicts.set(extra.secret, ok);
      }
      if (!(await ok)) {
        this.open.delete(socket);
        socket.close(KEY_REVOKED_CLOSE, 'API key revoked');
      }
    }
  }

  /** Shared executions of live subscriptions (one per group of identical ones). */
  get subscriptionGroups(): number {
    return this.groups.size;
  }

  /** Open subscriptions. */
  get openSubscriptions(): number {
    return this.subscriptions;
  }

  /** Open WebSocket connections. */
  get connections(): number {
    return this.wss?.clients.size ?? 0;
  }

  /** Ends graphql-ws (its subscriptions complete); Apollo's drain calls it. */
  async dispose(): Promise<void> {
    clearInterval(this.recheck);
    await this.wsCleanup?.dispose();
  }

  /** Closes every open WebSocket as the server goes away (1001). */
  closeConnections(): void {
    if (this.wss) for (const c of this.wss.clients) c.close(1001, 'server shutting down');
  }

  /** Stops accepting WebSocket connections. */
  async close(): Promise<void> {
    clearInterval(this.recheck);
    await new Promise<void>((r) => (this.wss ? this.wss.close(() => r()) : r()));
  }
}

/**
 * The address a WebSocket's upgrade came from: the socket's peer, or behind a trusted proxy
 * the address that proxy appended to X-Forwarded-For (the last hop; earlier ones are the
 * client's own claims).
 */
function clientAddress(req: IncomingMessage, trustProxy: string | undefined): string | undefined {
  const forwarded = req.headers['x-forwarded-for'];
  if (trustProxy && typeof forwarded === 'string') {
    const hops = forwarded
      .split(',')
      .map((h) => h.trim())
      .filter(Boolean);
    if (hops.length) return hops[hops.length - 1];
  }
  return req.socket.remoteAddress;
}
