import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';

const derive = (label: string, id: string): Buffer =>
  createHash('sha256').update(`${label}\0${id}`).digest();

/**
 * Bull Board's browser sessions, kept in Redis so that any gateway behind a load balancer knows
 * them. The cookie holds a random id. Redis holds, under a hash of the id, the API key
 * encrypted (AES-256-GCM) with a key derived from the id: Redis is shared with worker
 * processes that run users' code, and what they can read there yields neither a cookie nor
 * the key. Every request decrypts the key and checks it again, so a revoked key ends it.
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
    return this.prefix + derive('board-session-name', id).toString('hex');
  }

  /** A new session for `apiKey`; returns the id the cookie carries. */
  async open(apiKey: string): Promise<string> {
    const id = randomBytes(32).toString('base64url');
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', derive('board-session-key', id), iv);
    const sealed = Buffer.concat([cipher.update(apiKey, 'utf8'), cipher.final()]);
    const value = [iv, cipher.getAuthTag(), sealed].map((b) => b.toString('base64url')).join('.');
    await this.redis.set(this.keyOf(id), value, 'EX', this.ttlSeconds);
    return id;
  }

  /** The API key of a live session, or null (none, expired, or not sealed with this id). */
  async key(id: string): Promise<string | null> {
    const value = await this.redis.get(this.keyOf(id));
    const parts = value?.split('.');
    if (!parts || parts.length !== 3) return null;
    try {
      const [iv, tag, sealed] = parts.map((p) => Buffer.from(p, 'base64url'));
      const decipher = createDecipheriv('aes-256-gcm', derive('board-session-key', id), iv);
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(sealed), decipher.final()]).toString('utf8');
    } catch {
      return null;
    }
  }

  async close(id: string): Promise<void> {
    await this.redis.del(this.keyOf(id));
  }
}
