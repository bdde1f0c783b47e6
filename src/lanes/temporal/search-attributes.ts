import type { Connection } from '@temporalio/client';
import { encodeSearchAttributeIndexedValueType } from '@temporalio/common/lib/search-attributes';
import type { Logger } from 'pino';
import { JOB_TYPE_ATTRIBUTE, TENANT_ATTRIBUTE } from './contract';

const KEYWORD = encodeSearchAttributeIndexedValueType('KEYWORD') as number;

/**
 * Registers jobgate's search attributes in the namespace when they are
 * missing (a user's own cluster). Best effort: a server that refuses operator
 * calls (Temporal Cloud) is logged, and starts will fail there until an
 * operator adds them.
 */
export async function ensureSearchAttributes(
  connection: Connection,
  namespace: string,
  log: Logger,
): Promise<void> {
  const names = [TENANT_ATTRIBUTE.name, JOB_TYPE_ATTRIBUTE.name];
  try {
    const { customAttributes } = await connection.operatorService.listSearchAttributes({
      namespace,
    });
    const missing = names.filter((n) => !customAttributes?.[n]);
    if (missing.length === 0) return;
    await connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(missing.map((n) => [n, KEYWORD])),
    });
    log.info({ namespace, added: missing }, 'registered Temporal search attributes');
  } catch (err) {
    log.warn(
      { err, namespace, names },
      `could not check or register Temporal search attributes ${names.join(', ')} (Keyword); register them with 'temporal operator search-attribute create'`,
    );
  }
}
