import { fairnessOption, scopedKey } from '../model/flow-control';
import type { FlowControl, FlowKeys, FlowOption } from '../model/flow-control';

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
