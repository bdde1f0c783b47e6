import { GraphQLError } from 'graphql';
import type { MiddlewareFn } from 'type-graphql';
import { AppError } from '../model/app-error';
import { ErrorCode } from '../model/error-code';
import type { GraphContext } from './context';

/** Ids a mutation acts on, from its arguments. */
function targetsOf(args: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const k of ['id', 'jobId']) if (typeof args[k] === 'string') out.push(args[k] as string);
  // upsertSchedule names its schedule inside its input.
  const input = args.input as { id?: unknown } | undefined;
  if (typeof input?.id === 'string') out.push(input.id);
  const filter = args.filter as { ids?: unknown } | undefined;
  if (Array.isArray(filter?.ids)) out.push(...filter.ids.map(String));
  return out;
}

const codeOf = (err: unknown): string =>
  err instanceof AppError
    ? err.code
    : err instanceof GraphQLError && typeof err.extensions?.code === 'string'
      ? err.extensions.code
      : ErrorCode.INTERNAL;

/** Writes every root mutation to the audit log: who, what, on which ids, and how it ended. */
export const auditMutations: MiddlewareFn<GraphContext> = async ({ info, args, context }, next) => {
  if (info.parentType.name !== 'Mutation' || !context.services.audit) return next();
  const base = {
    keyId: context.principal.keyId,
    tenant: context.principal.tenant,
    role: context.principal.role,
    operation: info.fieldName,
    requestId: context.requestId,
  };
  try {
    const result: unknown = await next();
    const created = info.fieldName.startsWith('submit')
      ? (Array.isArray(result) ? result : [result]).map((j) => (j as { id: string }).id)
      : [];
    context.services.audit.record({
      ...base,
      targetIds: [...targetsOf(args), ...created],
      outcome: 'ok',
    });
    return result;
  } catch (err) {
    context.services.audit.record({ ...base, targetIds: targetsOf(args), outcome: codeOf(err) });
    throw err;
  }
};
