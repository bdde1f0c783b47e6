import { Arg, Ctx, ID, Int, Query, Resolver } from 'type-graphql';
import type { AuditEntry } from '../src/store/audit-store';
import { requireRole } from '../src/auth/principal';
import { badInput, unavailable } from '../src/model/app-error';
import { Role } from '../src/model/enums';
import type { GraphContext } from '../src/server/context';
import { AuditEntryType, AuditFilterInput } from '../schema/audit-entry.type';

@Resolver()
export class AuditResolver {
  @Query(() => [AuditEntryType], {
    description: 'The audit log (ADMIN), newest first. `after` is the id of the last entry seen.',
  })
  auditLog(
    @Ctx() ctx: GraphContext,
    @Arg('filter', () => AuditFilterInput, { nullable: true }) filter?: AuditFilterInput,
    @Arg('first', () => Int, { nullable: true, defaultValue: 50 }) first?: number,
    @Arg('after', () => ID, { nullable: true }) after?: string,
  ): Promise<AuditEntry[]> {
    requireRole(ctx.principal, Role.ADMIN, 'reading the audit log');
    const n = first ?? 50;
    if (n < 1 || n > 1000) throw badInput(`first must be between 1 and 1000 (got ${n})`, 'first');
    if (after && !/^\d{1,18}$/.test(after))
      throw badInput(`after: '${after}' is not an audit entry id`, 'after');
    if (!ctx.services.audit) throw unavailable('the audit log is not available on this process');
    return ctx.services.audit.list(filter ?? {}, n, after);
  }
}
