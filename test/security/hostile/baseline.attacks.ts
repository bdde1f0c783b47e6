import type { Hostile } from './harness';

/** The attacker's own tenant works as usual: the other modules' refusals are not a blanket block. */
export function attacks(h: Hostile): void {
  describe('baseline', () => {
    it("cannot read another tenant's job: NOT_FOUND-shaped null", async () => {
      const r = await h.stack.gql<{ job: unknown }>(
        'query($id: ID!) { job(id: $id) { id } }',
        { id: h.bystanderJobId },
        h.attacker.admin,
      );
      expect(r.errors).toBeUndefined();
      expect(r.data?.job).toBeNull();
    });
  });
}
