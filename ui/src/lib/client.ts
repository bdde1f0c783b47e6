import { Client, fetchExchange, subscriptionExchange } from 'urql';
import { createClient as createWsClient } from 'graphql-ws';
import type { Client as WsClient } from 'graphql-ws';
import { pageConfig } from './config';

export interface Connection {
  urql: Client;
  ws: WsClient;
  dispose(): void;
}

/** The GraphQL endpoint as a WebSocket URL on this origin. */
const wsUrl = (): string => {
  const u = new URL(pageConfig.graphqlPath, window.location.href);
  u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
  return u.toString();
};

/**
 * One urql client for queries and mutations (the key in the Authorization header) and one
 * graphql-ws client for subscriptions (the key in connection_init). Neither puts it in a URL.
 */
export function connect(key: string): Connection {
  const authorization = `Bearer ${key}`;
  const ws = createWsClient({
    url: wsUrl(),
    connectionParams: { authorization },
    lazy: true,
    retryAttempts: Infinity,
    shouldRetry: () => true,
  });
  const urql = new Client({
    url: pageConfig.graphqlPath,
    requestPolicy: 'network-only',
    // POST only: GET would put the query in the URL, and Apollo's CSRF guard refuses it anyway.
    preferGetMethod: false,
    fetchOptions: () => ({ headers: { authorization } }),
    // No cache: every page reads fresh data and live events keep it fresh. (urql's document
    // cache would also add __typename everywhere, which the gateway's cost limit counts.)
    exchanges: [
      fetchExchange,
      subscriptionExchange({
        forwardSubscription: (request) => ({
          subscribe: (sink) => ({
            unsubscribe: ws.subscribe({ ...request, query: request.query ?? '' }, sink),
          }),
        }),
      }),
    ],
  });
  return { urql, ws, dispose: () => void ws.dispose() };
}

/** Sends one operation with the key, outside any client: the sign-in check. */
export async function probe<T>(key: string, query: string): Promise<{ data?: T; error?: string }> {
  const res = await fetch(pageConfig.graphqlPath, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ query }),
  });
  const body = (await res.json().catch(() => ({}))) as {
    data?: T;
    errors?: { message: string }[];
  };
  if (body.errors?.length) return { error: body.errors[0].message };
  if (!res.ok) return { error: `the gateway answered ${res.status}` };
  return { data: body.data };
}
