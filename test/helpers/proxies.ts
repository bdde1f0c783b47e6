// Network faults cannot be had from the real gateway on demand, so these small proxies stand
// in front of it and make them: a dropped connection, a lost reply, a 503 or a 429.
import { createServer as createHttpServer, request as httpRequest } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { connect, createServer as createTcpServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';

export interface TcpProxy {
  /** `http://127.0.0.1:<port>/graphql`: the gateway's URL through the proxy. */
  url: string;
  /** Connections accepted so far. */
  connections: number;
  /** Cuts every open connection, as a network fault would. */
  dropAll(): void;
  close(): Promise<void>;
}

const targetOf = (gatewayUrl: string): { host: string; port: number } => {
  const u = new URL(gatewayUrl);
  return { host: u.hostname, port: Number(u.port) };
};

/** A TCP proxy in front of the gateway (HTTP and WebSocket alike). */
export async function startTcpProxy(gatewayUrl: string): Promise<TcpProxy> {
  const target = targetOf(gatewayUrl);
  const open = new Set<Socket>();
  const state = { connections: 0 };
  const server = createTcpServer((client) => {
    state.connections++;
    const upstream = connect(target.port, target.host);
    for (const s of [client, upstream]) {
      open.add(s);
      s.on('close', () => open.delete(s));
      s.on('error', () => undefined);
    }
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    get connections() {
      return state.connections;
    },
    dropAll: () => {
      for (const s of open) s.destroy();
    },
    close: async () => {
      for (const s of open) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** What the HTTP proxy does with one request, by its number (0, 1, ...). */
export type ProxyAction =
  /** Forward it and relay the reply. */
  | { kind: 'forward' }
  /** Forward it, wait for the gateway's reply, then cut the client's connection instead. */
  | { kind: 'dropReply' }
  /** Answer it without forwarding. */
  | { kind: 'answer'; status: number; headers?: Record<string, string> };

export interface HttpProxy {
  url: string;
  /** Requests received, by what was done with them. */
  counts: Record<ProxyAction['kind'], number>;
  close(): Promise<void>;
}

const readBody = (req: IncomingMessage): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => resolve(Buffer.concat(parts)));
    req.on('error', reject);
  });

/** An HTTP proxy in front of the gateway that does `decide(n)` with the n-th request. */
export async function startHttpProxy(
  gatewayUrl: string,
  decide: (n: number) => ProxyAction,
): Promise<HttpProxy> {
  const target = targetOf(gatewayUrl);
  const counts = { forward: 0, dropReply: 0, answer: 0 };
  let n = 0;
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const action = decide(n++);
    counts[action.kind]++;
    const body = await readBody(req);
    if (action.kind === 'answer') {
      res.writeHead(action.status, { 'content-type': 'application/json', ...action.headers });
      res.end(JSON.stringify({ errors: [{ message: `proxy says ${action.status}` }] }));
      return;
    }
    const reply = await new Promise<{
      status: number;
      headers: IncomingMessage['headers'];
      body: Buffer;
    }>((resolve, reject) => {
      const up = httpRequest(
        { ...target, method: req.method, path: req.url, headers: req.headers },
        (r) => {
          readBody(r).then(
            (b) => resolve({ status: r.statusCode ?? 502, headers: r.headers, body: b }),
            reject,
          );
        },
      );
      up.on('error', reject);
      up.end(body);
    });
    if (action.kind === 'dropReply') {
      // The gateway has done the work; the client never hears of it.
      req.socket.destroy();
      return;
    }
    const headers = { ...reply.headers };
    delete headers['transfer-encoding'];
    headers['content-length'] = String(reply.body.length);
    res.writeHead(reply.status, headers);
    res.end(reply.body);
  };
  const server = createHttpServer((req, res) => {
    handle(req, res).catch(() => req.socket.destroy());
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    counts,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
