import { Agent, request } from 'node:http';

export interface GqlResponse<T> {
  data?: T;
  errors?: { message: string; extensions?: { code?: string } }[];
}

/**
 * A minimal GraphQL-over-HTTP client on keep-alive sockets (node:http, no
 * fetch): the load generator should cost as little as it can, since it shares
 * the machine with what it measures.
 */
export class GqlHttp {
  private readonly agent: Agent;
  private readonly target: URL;

  constructor(
    url: string,
    private readonly key: string,
    maxSockets = 64,
  ) {
    this.target = new URL(url);
    this.agent = new Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets });
  }

  /**
   * Posts one operation; rejects on transport errors and on GraphQL errors. A request sent on
   * a kept-alive socket the server closed as it went idle (the server's 5 s keep-alive timeout
   * racing the reuse, as between two sides of an alternating run) was never read: it is sent
   * again once, on a fresh socket, as Node's documentation advises (`req.reusedSocket`).
   */
  post<T = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
  ): Promise<T> {
    const body = JSON.stringify({ query, variables });
    return this.send<T>(body).catch((err: Error & { code?: string; reusedSocket?: boolean }) => {
      if (err.code === 'ECONNRESET' && err.reusedSocket) return this.send<T>(body);
      throw err;
    });
  }

  private send<T>(body: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const req = request(
        {
          agent: this.agent,
          host: this.target.hostname,
          port: this.target.port,
          path: this.target.pathname,
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
            authorization: `Bearer ${this.key}`,
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            try {
              const parsed = JSON.parse(Buffer.concat(chunks).toString('utf8')) as GqlResponse<T>;
              if (parsed.errors?.length || !parsed.data) {
                reject(
                  new Error(
                    `GraphQL error (HTTP ${res.statusCode}): ${JSON.stringify(parsed.errors)}`,
                  ),
                );
              } else {
                resolve(parsed.data);
              }
            } catch (err) {
              reject(err as Error);
            }
          });
          res.on('error', reject);
        },
      );
      req.on('error', (err: Error & { reusedSocket?: boolean }) => {
        err.reusedSocket = req.reusedSocket;
        reject(err);
      });
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
