import type { TemporalStack } from '../../helpers/temporal-stack';

/** Keys of the attacking tenant, one per role. */
export interface AttackerKeys {
  viewer: string;
  operator: string;
  admin: string;
}

/** What every attack module gets: the shared stack (both lanes) and the attacker's keys. */
export interface Hostile {
  /** Set in the suite's beforeAll; read it inside tests, not at module load. */
  readonly stack: TemporalStack;
  readonly attacker: AttackerKeys;
  /** The tenant whose keys are in `attacker`. */
  readonly attackerTenant: string;
  /** Id of a job of the bystander tenant (another tenant's work, for isolation attacks). */
  readonly bystanderJobId: string;
}

/**
 * An attack module: `test/security/hostile/<area>.attacks.ts` exporting `attacks`,
 * which declares its `it(...)` cases (inside a describe of its own). They run while
 * a second tenant keeps submitting and reading; see hostile.test.ts.
 */
export type AttackModule = { attacks: (h: Hostile) => void };
