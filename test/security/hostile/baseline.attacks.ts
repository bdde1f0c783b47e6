import type { Hostile } from './harness';

/**
 * Tenancy holds for the attacker's VIEWER and OPERATOR keys (an ADMIN key reads every
 * tenant by design: `tenantScope`).
 */
export function attacks(h: Hostile): void {
  describe('baseline', () => {
    it("cannot read another tenant's job: NOT_FOUND-shaped null", async () => {
      const r = await h.stack.gql<{ job: unknown }>(
        'query($id: ID!) { job(id: $id) { id } }',
        { id: h.bystanderJobId },
        h.attacker.operator,
      );
      expect(r.errors).toBeUndefined();
      expect(r.data?.job).toBeNull();
    });
  });
}
