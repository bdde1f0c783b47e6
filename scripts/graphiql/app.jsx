// Browser entry of the GraphiQL page that jobgate serves; bundled by scripts/build-graphiql.mjs.
import { createGraphiQLFetcher } from '@graphiql/toolkit';
import { GraphiQL } from 'graphiql';
import { createRoot } from 'react-dom/client';
import 'graphiql/style.css';
import { exampleTabs } from './example-tabs.mjs';

// Monaco runs its language services in web workers; they are served next to this bundle
// (never from a CDN), so the page works offline.
const assets = new URL('.', import.meta.url);
globalThis.MonacoEnvironment = {
  getWorker(_id, label) {
    const file =
      label === 'json'
        ? 'json.worker.js'
        : label === 'graphql'
          ? 'graphql.worker.js'
          : 'editor.worker.js';
    return new Worker(new URL(file, assets));
  },
};

/** @type {{ graphqlPath: string; headers: string | null }} */
const config = JSON.parse(document.getElementById('jobgate-config')?.textContent || '{}');
const graphqlPath = config.graphqlPath || '/graphql';
const defaultHeaders = config.headers || '';
const httpUrl = new URL(graphqlPath, location.href).href;
const wsUrl = httpUrl.replace(/^http/, 'ws');

/** The Authorization value of the headers tab, whatever its case. */
function authorizationOf(headers) {
  for (const [k, v] of Object.entries(headers || {}))
    if (k.toLowerCase() === 'authorization') return String(v);
  return undefined;
}

// graphql-ws carries the key in the connection_init payload, so the socket is keyed by the
// Authorization value of the headers tab: editing the key opens a new connection.
const fetchers = new Map();
// GraphiQL fetches the schema as soon as it mounts, before the headers editor exists, and then
// sends no headers at all: that request answered 401 and left the page without a schema. It gets
// the headers this page was served with; operations the user runs carry the headers tab as it is.
const pageHeaders = (() => {
  try {
    return defaultHeaders ? JSON.parse(defaultHeaders) : undefined;
  } catch {
    return undefined;
  }
})();
function fetcher(params, rawOpts) {
  const opts =
    pageHeaders && !rawOpts?.headers && params?.operationName === 'IntrospectionQuery'
      ? { ...rawOpts, headers: pageHeaders }
      : rawOpts;
  const authorization = authorizationOf(opts?.headers);
  let f = fetchers.get(authorization);
  if (!f) {
    f = createGraphiQLFetcher({
      url: httpUrl,
      subscriptionUrl: wsUrl,
      wsConnectionParams: authorization ? { authorization } : {},
    });
    fetchers.set(authorization, f);
  }
  return f(params, opts);
}

// Headers are not persisted (they hold a key), so tabs restored from a previous visit would come
// back without one; give them the key this page was served with.
const tabsKey = 'graphiql:tabs';
const storage = {
  get length() {
    return localStorage.length;
  },
  key: (i) => localStorage.key(i),
  clear: () => localStorage.clear(),
  removeItem: (k) => localStorage.removeItem(k),
  setItem: (k, v) => localStorage.setItem(k, v),
  getItem(k) {
    const v = localStorage.getItem(k);
    if (k !== tabsKey || !v || !defaultHeaders) return v;
    try {
      const state = JSON.parse(v);
      for (const tab of state.tabs ?? [])
        if (!tab.headers || !tab.headers.trim()) tab.headers = defaultHeaders;
      return JSON.stringify(state);
    } catch {
      return v;
    }
  },
};

createRoot(document.getElementById('graphiql')).render(
  <GraphiQL
    fetcher={fetcher}
    storage={storage}
    defaultTabs={exampleTabs.map((t) => ({ ...t, headers: defaultHeaders || null }))}
    defaultHeaders={defaultHeaders || undefined}
    defaultEditorToolsVisibility={defaultHeaders ? 'headers' : 'variables'}
    isHeadersEditorEnabled
    shouldPersistHeaders={false}
  />,
);
