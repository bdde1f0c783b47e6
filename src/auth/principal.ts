import { Role } from '../model/enums';
import { forbidden } from '../model/app-error';

/** Who is calling: from an API key. */
export interface Principal {
  tenant: string;
  role: Role;
  /** Null for the key given in JOBGATE_ADMIN_KEY. */
  keyId: string | null;
}

const rank: Record<Role, number> = { [Role.VIEWER]: 0, [Role.OPERATOR]: 1, [Role.ADMIN]: 2 };

/** FORBIDDEN unless `p` holds at least `role`. */
export function requireRole(p: Principal, role: Role, action: string): void {
  if (rank[p.role] < rank[role]) {
    throw forbidden(`${action} needs the ${role} role; this key is ${p.role}`);
  }
}

/** The tenant a read is limited to: every tenant for ADMIN, the key's own otherwise. */
export const tenantScope = (p: Principal): string | undefined =>
  p.role === Role.ADMIN ? undefined : p.tenant;
