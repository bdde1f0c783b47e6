import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
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

/** API keys: random 256-bit secrets, stored as sha256, cached briefly after a lookup. */
export class KeyStore {
  private readonly cache = new Map<string, { principal: Principal | null; until: number }>();
  private readonly adminHash?: Buffer;

  constructor(
    private readonly ds: DataSource,
    adminKey?: string,
    /** How long a lookup is trusted, ms. @defaultValue 5000 */
    private readonly ttlMs = 5000,
  ) {
    if (adminKey) this.adminHash = Buffer.from(hashKey(adminKey), 'hex');
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

  /** The principal of a secret, or null when it is unknown or revoked. */
  async authenticate(secret: string): Promise<Principal | null> {
    const h = hashKey(secret);
    if (this.adminHash && timingSafeEqual(Buffer.from(h, 'hex'), this.adminHash)) {
      return { tenant: 'default', role: Role.ADMIN, keyId: null };
    }
    const hit = this.cache.get(h);
    if (hit && hit.until > Date.now()) return hit.principal;
    const rows: { id: string; tenant: string; role: Role; revoked: boolean }[] =
      await this.ds.query('SELECT id, tenant, role, revoked FROM api_keys WHERE key_hash = $1', [
        h,
      ]);
    const r = rows[0];
    const principal = r && !r.revoked ? { tenant: r.tenant, role: r.role, keyId: r.id } : null;
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(h, { principal, until: Date.now() + this.ttlMs });
    return principal;
  }
}

/** Reads a bearer token from an `Authorization` value. */
export function bearerToken(header: unknown): string | null {
  if (typeof header !== 'string') return null;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m ? m[1] : null;
}
