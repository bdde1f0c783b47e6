import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { WebSocketServer } from 'ws';
import type { WebSocket } from 'ws';

/**
 * The raw baseline of the push path: one ioredis subscriber on the bus's
 * pub/sub channel, sockets grouped by tenant (`?tenant=` in the URL, no auth),
 * and each message sent as received with `ws.send` to the sockets of its tenant.
 */
export class RawFanoutServer {
  private readonly byTenant = new Map<string, Set<WebSocket>>();
  private server?: Server;
  private wss?: WebSocketServer;
  private sub?: Redis;

  constructor(
    private readonly redisUrl: string,
    private readonly channel: string,
  ) {}

  /** Resolves to the ws:// URL. */
  async start(): Promise<string> {
    const sub = new Redis(this.redisUrl, { maxRetriesPerRequest: null });
    this.sub = sub;
    sub.on('message', (_ch: string, message: string) => {
      // The tenant is inside the JSON after "<id> ": the same parse the hub does.
      const event = JSON.parse(message.slice(message.indexOf(' ') + 1)) as { tenant: string };
      const sockets = this.byTenant.get(event.tenant);
      if (sockets) for (const ws of sockets) ws.send(message);
    });
    await sub.subscribe(this.channel);
    const server = createServer();
    this.server = server;
    const wss = new WebSocketServer({ server });
    this.wss = wss;
    wss.on('connection', (ws, req) => {
      const tenant = new URL(req.url ?? '/', 'http://x').searchParams.get('tenant') ?? '';
      let set = this.byTenant.get(tenant);
      if (!set) this.byTenant.set(tenant, (set = new Set()));
      set.add(ws);
      ws.on('close', () => set.delete(ws));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `ws://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  }

  async close(): Promise<void> {
    for (const ws of this.wss?.clients ?? []) ws.terminate();
    await new Promise<void>((r) => (this.wss ? this.wss.close(() => r()) : r()));
    await new Promise<void>((r) => (this.server?.listening ? this.server.close(() => r()) : r()));
    this.sub?.disconnect();
    this.byTenant.clear();
  }
}
