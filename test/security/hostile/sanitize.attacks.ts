import { getJob, waitForStatus } from '../../helpers/ops';
import type { Hostile } from './harness';

/** Timed call: the answer and how long it took. */
async function timed<T>(run: () => Promise<T>): Promise<{ r: T; ms: number }> {
  const t0 = performance.now();
  const r = await run();
  return { r, ms: performance.now() - t0 };
}

/** A POST to /graphql with this exact body text. */
async function raw(h: Hostile, body: string, key: string): Promise<{ status: number; json: any }> {
  const res = await fetch(h.stack.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body,
  });
  return { status: res.status, json: await res.json().catch(() => null) };
}

/**
 * Text Postgres would refuse (lone surrogates; NUL is refused at the door) or that a backtracking sanitizer would choke
 * on (long backslash runs), sent where it reaches the store: job rows, event meta, the audit log.
 * The bystander's events must keep being stored while it is in the pipeline.
 */
export function attacks(h: Hostile): void {
  describe('text Postgres refuses, and backslash runs', () => {
    it("a VIEWER's refused retryJob with 500,000 backslashes is answered at once", async () => {
      const id = '\\'.repeat(500_000);
      const body = JSON.stringify({
        query: 'mutation($id: ID!) { retryJob(id: $id) { id } }',
        variables: { id },
      });
      expect(body.length).toBeGreaterThan(900_000);
      const { r, ms } = await timed(() => raw(h, body, h.attacker.viewer));
      expect(r.json?.errors?.[0]?.extensions?.code).toMatch(/FORBIDDEN|BAD_USER_INPUT|NOT_FOUND/);
      expect(ms).toBeLessThan(3000);
    });

    it('a lone surrogate in a cancel reason is stored as U+FFFD, and the job ends CANCELLED', async () => {
      const sub = await h.stack.gql<{ submitJob: { id: string } }>(
        'mutation($i: SubmitJobInput!) { submitJob(input: $i) { id } }',
        { i: { type: 'sleep', input: { ms: 20_000 }, backend: 'BULLMQ' } },
        h.attacker.operator,
      );
      const id = sub.data?.submitJob.id as string;
      expect(id).toBeTruthy();
      const r = await h.stack.gql(
        'mutation($id: ID!, $r: String) { cancelJob(id: $id, reason: $r) { id } }',
        { id, r: 'stop\ud800 now \udfff' },
        h.attacker.operator,
      );
      expect(r.errors?.[0]?.extensions?.code).toBeUndefined();
      const done = await waitForStatus(h.stack, id, ['CANCELLED'], 20_000);
      expect(done.status).toBe('CANCELLED');
      const cancelled = (await getJob(h.stack, id))?.events.find((e) => e.type === 'CANCELLED');
      expect(JSON.stringify(cancelled)).toContain('stop\ufffd now \ufffd');
    });

    it('a lone surrogate in a signal payload reaches the event store as U+FFFD', async () => {
      const sub = await h.stack.gql<{ submitJob: { id: string } }>(
        'mutation($i: SubmitJobInput!) { submitJob(input: $i) { id } }',
        { i: { type: 'approval', input: { timeoutSeconds: 60 }, backend: 'TEMPORAL' } },
        h.attacker.operator,
      );
      const id = sub.data?.submitJob.id as string;
      await waitForStatus(h.stack, id, ['RUNNING', 'WAITING'], 20_000);
      const r = await h.stack.gql(
        'mutation($id: ID!, $p: JSON) { signalJob(id: $id, signal: "approve", payload: $p) { id } }',
        { id, p: { by: 'mallory\udc00', comment: '\\'.repeat(100_000) } },
        h.attacker.operator,
      );
      expect(r.errors).toBeUndefined();
      const done = await waitForStatus(h.stack, id, ['SUCCEEDED'], 30_000);
      expect(done.status).toBe('SUCCEEDED');
      const stored: { n: string }[] = await h.stack.app.ds.query(
        `SELECT count(*) AS n FROM job_events WHERE job_id = $1 AND type = 'SIGNALED'`,
        [id],
      );
      expect(Number(stored[0].n)).toBe(1);
      const signaled = (await getJob(h.stack, id))?.events.find((e) => e.type === 'SIGNALED');
      expect(JSON.stringify(signaled)).toContain('mallory\ufffd');
    });

    it('a mutation on an id with lone surrogates is audited, with U+FFFD', async () => {
      const id = `audit-\ud800-${Date.now()}\udc00`;
      const r = await h.stack.gql(
        'mutation($id: ID!) { cancelJob(id: $id) { id } }',
        { id },
        h.attacker.operator,
      );
      expect(r.errors?.[0]?.extensions?.code).toBeDefined();
      const expected = id.replace('\ud800', '\ufffd').replace('\udc00', '\ufffd');
      let found = 0;
      for (let i = 0; i < 40 && !found; i++) {
        const rows: { n: string }[] = await h.stack.app.ds.query(
          `SELECT count(*) AS n FROM audit_log WHERE tenant = $1 AND $2 = ANY(target_ids)`,
          [h.attackerTenant, expected],
        );
        found = Number(rows[0].n);
        if (!found) await new Promise((res) => setTimeout(res, 250));
      }
      expect(found).toBe(1);
    });
  });
}
