import { createHash, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';

/**
 * Bull Board's browser sessions, kept in Redis so that any gateway behind a load balancer knows
 * them. The cookie holds a random id; Redis holds the API key under the id's hash, so a leaked
 * Redis dump gives no cookie, and every request checks the key again (a revoked key ends it).
 */
export class BoardSessions {
  /**
   * @param ttlSeconds How long a session lasts after sign-in. @defaultValue 8 hours
   */
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    readonly ttlSeconds = 8 * 3600,
  ) {}

  private keyOf(id: string): string {
    return this.prefix + createHash('sha256').update(id).digest('hex');
  }

  /** A new session for `apiKey`; returns the id the cookie carries. */
  async open(apiKey: string): Promise<string> {
    const id = randomBytes(32).toString('base64url');
    await this.redis.set(this.keyOf(id), apiKey, 'EX', this.ttlSeconds);
    return id;
  }

  /** The API key of a live session, or null. */
  async key(id: string): Promise<string | null> {
    return this.redis.get(this.keyOf(id));
  }

  async close(id: string): Promise<void> {
    await this.redis.del(this.keyOf(id));
  }
}
