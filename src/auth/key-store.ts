import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { DataSource } from 'typeorm';
import { Role } from '../model/enums';
import type { Principal } from './principal';

export interface ApiKeyRecord {
  id: string;
  tenant: string;
  role: Role;
  revoked: boolean;
  createdAt: Date;
}

export const hashKey = (secret: string): string =>
  createHash('sha256').update(secret).digest('hex');

/** Sizes of the key caches. */
export interface KeyCacheLimits {
  /** Valid keys remembered, least recently used first out. @defaultValue 50000 */
  maxKeys?: number;
  /** Unknown or revoked keys remembered, in a cache of their own. @defaultValue 10000 */
  maxUnknown?: number;
}

/** A valid key's principal and when Postgres last said so. */
interface Checked {
  principal: Principal;
  at: number;
}

/**
 * API keys: random 256-bit secrets, stored as sha256, cached briefly after a lookup. Valid
 * and unknown keys are cached apart, each bounded and least-recently-used first out, so a
 * flood of made-up keys can neither grow memory nor push valid keys out (which would send
 * every request of every tenant to Postgres).
 *
 * A valid key whose lookup is older than the TTL is checked again in the background while its
 * requests go on, for one more TTL at most: a slow Postgres (a lock, a burst of other lookups)
 * does not hold up every tenant whose entry happens to expire, and a key revoked elsewhere is
 * refused once that check answers. Past two TTLs a request waits for the check, as a new key
 * does.
 */
export class KeyStore {
  private readonly cache: LRUCache<string, Checked>;
  private readonly unknown: LRUCache<string, true>;
  /** Background checks in flight, by key hash. */
  private readonly checking = new Map<string, Promise<Principal | null>>();
  private readonly ttlMs: number;
  private readonly adminHash?: Buffer;
  /** Lookups that went to Postgres (a counter for tests and metrics). */
  lookups = 0;

  constructor(
    private readonly ds: DataSource,
    adminKey?: string,
    /** How long a lookup is trusted, ms. @defaultValue 5000 */
    ttlMs = 5000,
    limits: KeyCacheLimits = {},
  ) {
    if (adminKey) this.adminHash = Buffer.from(hashKey(adminKey), 'hex');
    this.ttlMs = ttlMs;
    this.cache = new LRUCache({ max: limits.maxKeys ?? 50_000, ttl: 2 * ttlMs });
    this.unknown = new LRUCache({ max: limits.maxUnknown ?? 10_000, ttl: ttlMs });
  }

  async create(tenant: string, role: Role): Promise<{ record: ApiKeyRecord; secret: string }> {
    const secret = `jg_${randomBytes(32).toString('base64url')}`;
    const id = randomUUID();
    const rows: { created_at: Date }[] = await this.ds.query(
      'INSERT INTO api_keys (id, key_hash, tenant, role) VALUES ($1, $2, $3, $4) RETURNING created_at',
      [id, hashKey(secret), tenant, role],
    );
    return { record: { id, tenant, role, revoked: false, createdAt: rows[0].created_at }, secret };
  }

  async revoke(id: string, tenant?: string): Promise<boolean> {
    const res: [unknown[], number] = await this.ds.query(
      `UPDATE api_keys SET revoked = true WHERE id = $1 ${tenant ? 'AND tenant = $2' : ''}`,
      tenant ? [id, tenant] : [id],
    );
    this.cache.clear();
    return res[1] > 0;
  }

  /** True when `secret` is the admin key or a valid key answered from the cache (no query). */
  knows(secret: string): boolean {
    const h = hashKey(secret);
    return (
      (this.adminHash !== undefined && timingSafeEqual(Buffer.from(h, 'hex'), this.adminHash)) ||
      this.cache.has(h)
    );
  }

  async list(tenant?: string): Promise<ApiKeyRecord[]> {
    const rows: { id: string; tenant: string; role: Role; revoked: boolean; created_at: Date }[] =
      await this.ds.query(
        `SELECT id, tenant, role, revoked, created_at FROM api_keys ${tenant ? 'WHERE tenant = $1' : ''} ORDER BY created_at`,
        tenant ? [tenant] : [],
      );
    return rows.map((r) => ({
      id: r.id,
      tenant: r.tenant,
      role: r.role,
      revoked: r.revoked,
      createdAt: r.created_at,
    }));
  }

  /**
   * The principal of a secret, or null when it is unknown or revoked. With `waitIfStale`, a
   * valid key whose lookup is older than the TTL waits for its check instead of being served
   * while it runs (the periodic check of open sockets, which nothing waits on).
   */
  async authenticate(secret: string, o: { waitIfStale?: boolean } = {}): Promise<Principal | null> {
    const h = hashKey(secret);
    if (this.adminHash && timingSafeEqual(Buffer.from(h, 'hex'), this.adminHash)) {
      return { tenant: 'default', role: Role.ADMIN, keyId: null };
    }
    const hit = this.cache.get(h);
    if (hit) {
      if (Date.now() - hit.at <= this.ttlMs) return hit.principal;
      if (o.waitIfStale) return this.check(h);
      void this.check(h).catch(() => undefined);
      return hit.principal;
    }
    if (this.unknown.has(h)) return null;
    return this.check(h);
  }

  /** Looks the key up in Postgres (one query per key at a time) and caches the answer. */
  private check(h: string): Promise<Principal | null> {
    let running = this.checking.get(h);
    if (!running) {
      running = this.lookup(h).finally(() => this.checking.delete(h));
      this.checking.set(h, running);
    }
    return running;
  }

  private async lookup(h: string): Promise<Principal | null> {
    this.lookups++;
    const rows: { id: string; tenant: string; role: Role; revoked: boolean }[] =
      await this.ds.query('SELECT id, tenant, role, revoked FROM api_keys WHERE key_hash = $1', [
        h,
      ]);
    const r = rows[0];
    const principal = r && !r.revoked ? { tenant: r.tenant, role: r.role, keyId: r.id } : null;
    if (principal) this.cache.set(h, { principal, at: Date.now() });
    else {
      this.cache.delete(h);
      this.unknown.set(h, true);
    }
    return principal;
  }
}

/** Reads a bearer token from an `Authorization` value. */
export function bearerToken(header: unknown): string | null {
  if (typeof header !== 'string') return null;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m ? m[1] : null;
}
