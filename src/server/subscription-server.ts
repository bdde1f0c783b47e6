import type { Server } from 'node:http';
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
import type { Principal } from '../auth/principal';
import { ErrorCode } from '../model/error-code';
import { hasNul } from '../store/pg-json';
import type { EventStore } from '../store/event-store';
import { toClientError } from './client-error';
import type { GraphContext, Services } from './context';
import { nestingDepth, nestingMessage, NUL_MESSAGE } from './limits';
import type { TenantRateLimiter } from './rate-limit';
import { flatUuid, principalOf, RequestContext } from './request-context';
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
  /** Operation limits (depth, aliases, cost, introspection), on HTTP and WebSocket alike. */
  rules: ValidationRule[];
  rateLimiter: TenantRateLimiter;
  maxSubscriptionsPerConnection: number;
  maxSubscriptionsPerKey: number;
  wsInitTimeoutMs: number;
}

/** What a WebSocket connection carries between hooks. */
type WsExtra = {
  principal?: Principal;
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

  constructor(private readonly o: SubscriptionServerOptions) {
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
            ctx.extra.principal = await principalOf(
              this.o.services.keys,
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

  /** Parses and validates a subscription's text once; later subscriptions with the same text reuse it. */
  private document(query: string): DocumentNode | readonly GraphQLError[] {
    const hit = this.documents.get(query);
    if (hit) return hit;
    let result: DocumentNode | readonly GraphQLError[];
    try {
      if (nestingDepth(query) > this.o.maxNesting) {
        throw new GraphQLError(nestingMessage(this.o.maxNesting));
      }
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
    await this.wsCleanup?.dispose();
  }

  /** Closes every open WebSocket as the server goes away (1001). */
  closeConnections(): void {
    if (this.wss) for (const c of this.wss.clients) c.close(1001, 'server shutting down');
  }

  /** Stops accepting WebSocket connections. */
  async close(): Promise<void> {
    await new Promise<void>((r) => (this.wss ? this.wss.close(() => r()) : r()));
  }
}
