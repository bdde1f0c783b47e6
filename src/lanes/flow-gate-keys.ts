import { createHash } from 'node:crypto';
import { fairnessOption } from '../model/flow-control';
import type { FlowControl, FlowKeys, FlowOption } from '../model/flow-control';

/**
 * The name one option's key has in an engine and in Redis: a hash of the option, tenant, type
 * and value, so no two tenants (or types) ever share a limit, a slot or a duplicate, and a
 * value of any characters makes a short, safe name.
 */
export function scopedKey(option: FlowOption, tenant: string, type: string, value: string): string {
  return createHash('sha256')
    .update(`${option}\0${tenant}\0${type}\0${value}`)
    .digest('base64url')
    .slice(0, 22);
}

/** What a per-key Redis name holds. */
export type GateKeyKind = 'fair' | 'slots' | 'parked' | 'rate' | 'dedup' | 'debounce';

/** The Redis name of one tenant's, type's and key's gate state. */
export const gateKey = (
  prefix: string,
  kind: GateKeyKind,
  option: FlowOption,
  tenant: string,
  type: string,
  value: string,
): string => `${prefix}:fc:${kind}:${scopedKey(option, tenant, type, value)}`;

/** The scoped name of a job's fair-turn key, or undefined when its type has none. */
export function fairName(
  fc: FlowControl | undefined,
  keys: FlowKeys | null | undefined,
  tenant: string,
  type: string,
): string | undefined {
  const option = fairnessOption(fc);
  const value = option ? keys?.[option] : undefined;
  return option && value !== undefined ? scopedKey(option, tenant, type, value) : undefined;
}
